using Microsoft.Extensions.Options;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Catalog;
using RecoGrid.Grains.Common;
using RecoGrid.Grains.Popularity;
using RecoGrid.Server.Events;
using RecoGrid.Server.Experiments;
using RecoGrid.Server.Ingestion;

namespace RecoGrid.Api;

/// <summary>/v1/users: recommendations, state summary and erasure.</summary>
public static class UsersApi
{
    public static RouteGroupBuilder MapUsersApi(this RouteGroupBuilder group)
    {
        group.MapGet("/users/{userId}/recommendations", GetRecommendations)
            .WithName("GetRecommendations")
            .WithSummary("Rank items for a user.")
            .WithDescription("Uses the promoted model when the user has a vector for it, otherwise decayed popularity; `source` says which (`popularity-fallback` when no scoring node can answer, or 503 if Api:ScoringUnavailable=unavailable). Items the user interacted with, live and in the model's training data, are excluded unless excludeSeen=false. Large catalogues are ranked in two stages (ANN candidates, then the model); `retrieval=exact|ann` asks for a path and `retrieval` in the reply says which ranked the items. While a user's history is thin (`Recommendations:ColdStartEvents`) popular items are blended in (`coldStart: true`); a share of positions (`Recommendations:ExplorationShare`) goes to recent items the model has no factors for yet (`exploration: true`). `explain=true` adds to each model-ranked item up to 3 of the user's own items with the largest exact shares of its score (`explanationBasis` names the history decomposed; see docs/explanations.md). Every reply has a `recommendationId` (send it with the events that follow); while an experiment runs, `experimentId` and `variant` say which variant's model ranked the user.")
            .Produces<RecommendationsResponse>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapGet("/users/{userId}", GetUser)
            .WithName("GetUser")
            .WithSummary("Summarize a user's state: counters, recent interactions, model version.")
            .Produces<UserResponse>()
            .ProducesValidationProblem();

        group.MapDelete("/users/{userId}", DeleteUser)
            .WithName("DeleteUser")
            .WithSummary("Erase a user: a tombstone in the interaction log, then their state and popularity contributions; their events are never read again and compaction removes them.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesValidationProblem();
        return group;
    }

    private static async Task<IResult> GetRecommendations(
        string userId,
        HttpContext http,
        IGrainFactory grains,
        IOptions<ApiOptions> api,
        PopularityCache popularity,
        CatalogView catalog,
        int? count,
        string? category,
        string? exclude,
        bool? excludeSeen,
        string? idEncoding,
        string? retrieval,
        bool? explain,
        ExperimentServing experiments,
        [FromKeyedServices(RecoGridClock.Key)] TimeProvider time)
    {
        var errors = new FieldErrors();
        if (PathIds.Resolve(userId, idEncoding, out userId) is { } userProblem)
        {
            errors.Add("userId", userProblem);
        }

        var wanted = count ?? 10;
        if (wanted < 1 || wanted > api.Value.MaxRecommendations)
        {
            errors.Add("count", $"must be between 1 and {api.Value.MaxRecommendations} (got {wanted})");
        }

        if (category is not null && Ids.CheckLabel(category) is { } categoryProblem)
        {
            errors.Add("category", categoryProblem);
        }

        var excluded = string.IsNullOrEmpty(exclude)
            ? []
            : exclude.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(i => Ids.Check(i) is null ? Ids.Normalize(i) : i).ToArray();
        if (excluded.Length > 10_000)
        {
            errors.Add("exclude", "lists more than 10000 items");
        }

        foreach (var item in excluded)
        {
            if (Ids.Check(item) is { } itemProblem)
            {
                errors.Add("exclude", $"'{item}' {itemProblem}");
                break;
            }
        }

        if (retrieval is not null && retrieval is not ("exact" or "ann"))
        {
            errors.Add("retrieval", $"must be exact or ann (got '{retrieval}')");
        }

        if (!errors.IsEmpty)
        {
            return errors.ToProblem("The recommendation request is invalid.");
        }

        var placement = experiments.Place(userId);
        RecommendationResult result;
        var request = new RecommendationRequest(wanted, string.IsNullOrEmpty(category) ? null : Ids.Normalize(category), [.. excluded], excludeSeen ?? true, retrieval, explain ?? false, placement?.Variant.ModelVersion);
        var recommending = grains.Reference<IUserGrain>(userId).Recommend(request);
        try
        {
            result = await recommending.WaitAsync(api.Value.RecommendationTimeout, time);
        }
        catch (Exception lost) when (UserGrainLost(lost, http))
        {
            // The user's grain is on a node that just died (until membership declares it dead and it moves), or it is
            // still being recovered (Api:RecommendationTimeout), or it cannot activate yet (its log partition waits for
            // a dead writer's lease): the node's last popularity ranking still answers, without the user's own history.
            recommending.Ignore();
            result = PopularityFallback.Rank(request, popularity.Latest, catalog.Latest);
        }
        catch (ScoringBusyException busy)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(busy.RetryAfter.TotalSeconds));
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Ranking is saturated.", detail: $"{busy.Message} Retry after {seconds} s.");
        }

        if (result.Source == RecommendationSources.PopularityFallback && api.Value.ScoringUnavailable == ScoringUnavailableModes.Unavailable)
        {
            http.Response.Headers.RetryAfter = "5";
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "No scoring node can rank.", detail: "No silo with the 'scoring' role can answer (Api:ScoringUnavailable = unavailable). Retry after 5 s.");
        }

        var served = experiments.Served(placement, result);
        var items = new RecommendedItem[result.Items.Length];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = ToResponse(result.Items[i]);
        }

        return TypedResults.Json(new RecommendationsResponse(
            items,
            result.Source,
            result.ModelVersion,
            result.Retrieval,
            result.ExplanationBasis)
        {
            RecommendationId = served.RecommendationId,
            ExperimentId = served.ExperimentId,
            Variant = served.Variant,
        }, ApiJsonContext.Default.RecommendationsResponse);
    }

    /// <summary>Whether a failed call to a user grain means the grain cannot answer now (rather than a bug or a saturated ranking).</summary>
    private static bool UserGrainLost(Exception exception, HttpContext http) => exception switch
    {
        // IOException: the user's log partition is still locked by a dead writer's lease (LogPartitionLockedException).
        OrleansException or TimeoutException or LogUnavailableException or IOException => true,
        // The runtime cancelled the grain's activation; not the caller going away.
        OperationCanceledException => !http.RequestAborted.IsCancellationRequested,
        _ => false,
    };

    private static RecommendedItem ToResponse(ScoredItem item) => new(
        item.ItemId,
        item.Score,
        item.Slot == RecommendationSlots.Exploration ? true : null,
        item.Slot == RecommendationSlots.ColdStart ? true : null,
        item.Explanation is null ? null : [.. item.Explanation.Select(c => new ItemContributionResponse(c.ItemId, c.Contribution))]);

    private static async Task<IResult> GetUser(string userId, IGrainFactory grains, string? idEncoding)
    {
        if (PathIds.Resolve(userId, idEncoding, out userId) is { } problem)
        {
            return RequestBody.Invalid("userId", problem);
        }

        var summary = await grains.GetGrain<IUserGrain>(userId).GetSummary();
        return TypedResults.Ok(new UserResponse(
            summary.UserId,
            summary.Exists,
            summary.TotalEvents,
            summary.FirstSeen,
            summary.LastSeen,
            summary.Counters,
            [.. summary.RecentInteractions.Select(i => new InteractionResponse(i.ItemId, i.Type, i.Weight, i.Value, i.Timestamp))],
            summary.ModelVersion,
            summary.HasVector));
    }

    private static async Task<IResult> DeleteUser(string userId, EventIngestion ingestion, string? idEncoding)
    {
        if (PathIds.Resolve(userId, idEncoding, out userId) is { } problem)
        {
            return RequestBody.Invalid("userId", problem);
        }

        await ingestion.EraseAsync(userId);
        return TypedResults.NoContent();
    }

}

/// <summary>Ranks by a popularity snapshot when the user's grain cannot be reached.</summary>
internal static class PopularityFallback
{
    public static RecommendationResult Rank(RecommendationRequest request, PopularitySnapshot snapshot, CatalogSnapshot catalog)
    {
        var ranking = request.Category is null ? snapshot.Global : snapshot.ByCategory.GetValueOrDefault(request.Category, []);
        var excluded = new HashSet<string>(request.Exclude, StringComparer.Ordinal);
        var items = ranking.Where(c => !excluded.Contains(c.ItemId) && catalog.IsRecommendable(c.ItemId, request.Category)).Take(request.Count);
        return new RecommendationResult([.. items], RecommendationSources.PopularityFallback, null);
    }
}
