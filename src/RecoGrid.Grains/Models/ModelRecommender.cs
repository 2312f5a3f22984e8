using Microsoft.Extensions.Options;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Telemetry;
using RecoGrid.Grains.Users;

namespace RecoGrid.Grains.Models;

/// <summary>
/// The model path of a user grain: keeps the user's vector for the promoted version (trained vector, or
/// fold-in of recent interactions) and ranks through a scoring grain chosen by consistent hash.
/// </summary>
public sealed class ModelRecommender(IActiveModelSource models, IGrainFactory grains, IOptions<ModelPathOptions> options) : IModelRecommender
{
    /// <summary>Recent items sent with each scoring call as co-visitation seeds.</summary>
    public const int RecentSeeds = 5;

    public void OnInteractions(UserState state)
    {
        // Real-time but lazy: the next ranking folds the new events in; users who never ask cost nothing.
        state.VectorStale = true;
    }

    public async Task<RecommendationResult?> RecommendAsync(string userId, IPersistentState<UserState> state, RecommendationRequest request, IReadOnlySet<string> excluded)
    {
        // An experiment's variant names its version; until this silo has loaded it, the promoted one ranks.
        var model = request.ModelVersion is { } version ? models.Find(version) ?? models.Current : models.Current;
        if (model is null)
        {
            return null;
        }

        var s = state.State;
        if (s.VectorStale && FoldInRecent(model, s) is { } folded)
        {
            s.Vector = folded;
            s.ModelVersion = model.Version;
            s.VectorStale = false;
        }
        else if (s.ModelVersion != model.Version || s.Vector is null)
        {
            // Not persisted here: the vector is derived and cheap to recompute; the next checkpoint carries it.
            if (!TryRefreshVector(userId, s, model))
            {
                return null;
            }
        }

        var call = new ScoreCall(s.ModelVersion!, s.Vector!, [.. excluded], request.Count, request.Category, request.Retrieval, RecentItems(s));
        var response = await grains.GetGrain<IScoringGrain>(ShardHash.Shard(userId, options.Value.Partitions)).Score(call);
        return response.Status switch
        {
            ScoreStatus.Ok => new RecommendationResult(response.Items, RecommendationSources.Model, response.ModelVersion, response.Retrieval),
            ScoreStatus.Overloaded => throw new ScoringBusyException(response.Detail ?? "Scoring is saturated.", response.RetryAfter),
            _ => null, // The scoring silo has not loaded this version yet (or has dropped it): popularity for now.
        };
    }

    /// <summary>The user's most recent distinct items, newest first: the seeds of co-visitation candidates.</summary>
    private static string[] RecentItems(UserState s)
    {
        var recent = new List<string>(RecentSeeds);
        for (var i = s.Recent.Count - 1; i >= 0 && recent.Count < RecentSeeds; i--)
        {
            var item = s.Recent[i].ItemId;
            if (!recent.Contains(item, StringComparer.Ordinal))
            {
                recent.Add(item);
            }
        }

        return [.. recent];
    }

    private static bool TryRefreshVector(string userId, UserState s, FoldInModel model)
    {
        var vector = new float[model.Factors];
        if (model.TrainedUsers?.TryGet(userId, vector) == true)
        {
            s.Vector = vector;
            s.ModelVersion = model.Version;
            return true;
        }

        var folded = FoldInRecent(model, s);
        if (folded is null)
        {
            return false;
        }

        s.Vector = folded;
        s.ModelVersion = model.Version;
        return true;
    }

    private static float[]? FoldInRecent(FoldInModel model, UserState s)
    {
        var started = GrainsMetrics.FoldInStarted();
        var vector = model.SolveVector(s.Recent.Select(i => (i.ItemId, i.Weight)));
        GrainsMetrics.FoldInEnded(started);
        return vector;
    }
}
