using RecoGrid.Abstractions;
using RecoGrid.Server.Events;

namespace RecoGrid.Server.Experiments;

/// <summary>A user's place in the running experiment.</summary>
public sealed record ExperimentPlacement(ExperimentDefinition Experiment, int VariantIndex)
{
    public ExperimentVariant Variant => Experiment.Variants[VariantIndex];
}

/// <summary>What a served recommendation carries: its id and, in an experiment, the experiment and variant.</summary>
public sealed record ServedRecommendation(string RecommendationId, string? ExperimentId, string? Variant);

/// <summary>An event that followed a recommendation served in an experiment.</summary>
public sealed record ExperimentHit(string ExperimentId, int VariantIndex, string Type, bool HasEventId);

/// <summary>The experiment side of the recommendation and event paths: assignment, impressions, event attribution.</summary>
public sealed class ExperimentServing(ExperimentDirectory directory, ExperimentCounters counters)
{
    /// <summary>The user's variant in the running experiment, or null when none runs.</summary>
    public ExperimentPlacement? Place(string userId) =>
        directory.Running is { } running ? new ExperimentPlacement(running, ExperimentAssignment.Assign(running, userId)) : null;

    /// <summary>
    /// Counts the impression and issues the recommendation id. A response ranked by another version than the variant's
    /// (not loaded on this silo yet) carries the variant but a plain id, and is not counted.
    /// </summary>
    public ServedRecommendation Served(ExperimentPlacement? placement, RecommendationResult result)
    {
        if (placement is null)
        {
            return new ServedRecommendation(ExperimentAssignment.NewRecommendationId(), null, null);
        }

        var experimentId = placement.Experiment.ExperimentId;
        if (result.Source != RecommendationSources.Model || result.ModelVersion != placement.Variant.ModelVersion)
        {
            return new ServedRecommendation(ExperimentAssignment.NewRecommendationId(), experimentId, placement.Variant.Name);
        }

        counters.Impression(experimentId, placement.VariantIndex);
        return new ServedRecommendation(ExperimentAssignment.NewRecommendationId(experimentId, placement.VariantIndex), experimentId, placement.Variant.Name);
    }

    /// <summary>
    /// Checks an event's <c>recommendationId</c> (optional): one this service issued, of a known experiment, and of the
    /// variant this user is in. Returns what to count (null for an id outside any experiment or of a stopped one).
    /// </summary>
    public async Task<ExperimentHit?> CheckAsync(EventInput? dto, string field, FieldErrors errors)
    {
        if (dto?.RecommendationId is not { } id)
        {
            return null;
        }

        field += ".recommendationId";
        if (Ids.Check(id, ExperimentAssignment.MaxRecommendationIdLength) is { } problem)
        {
            errors.Add(field, problem);
            return null;
        }

        if (ExperimentAssignment.TryParse(id, out var experimentId, out var variant) is { } malformed)
        {
            errors.Add(field, malformed);
            return null;
        }

        if (experimentId is null)
        {
            return null;
        }

        var experiment = await directory.FindOrRefreshAsync(experimentId);
        if (experiment is null)
        {
            errors.Add(field, $"names experiment '{experimentId}', which does not exist");
            return null;
        }

        if (variant >= experiment.Variants.Length)
        {
            errors.Add(field, $"names variant {variant} of experiment '{experimentId}', which has {experiment.Variants.Length}");
            return null;
        }

        if (dto.UserId is { } userId && Ids.Check(userId) is null && ExperimentAssignment.Assign(experiment, Ids.Normalize(userId)) is var assigned && assigned != variant)
        {
            errors.Add(field, $"was not served to this user: the user is in variant '{experiment.Variants[assigned].Name}' of experiment '{experimentId}', the id in '{experiment.Variants[variant].Name}'");
            return null;
        }

        return experiment.IsRunning && dto.Type is { } type ? new ExperimentHit(experimentId, variant, type, dto.EventId is not null) : null;
    }

    /// <summary>
    /// Counts the events of an acknowledged batch. When the log reported duplicates, events with a client eventId may be
    /// among them and are left out (undercounting beats counting a retry twice); events without one are always new.
    /// </summary>
    public void Followed(IReadOnlyList<ExperimentHit> hits, int duplicates)
    {
        foreach (var hit in hits)
        {
            if (duplicates == 0 || !hit.HasEventId)
            {
                counters.Event(hit.ExperimentId, hit.VariantIndex, hit.Type);
            }
        }
    }
}
