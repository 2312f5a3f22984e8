using Microsoft.Extensions.Options;
using RecoGrid.Abstractions;
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
            .WithDescription("Uses the promoted model when the user has a vector for it, otherwise decayed popularity; `source` says which. Items the user interacted with are excluded unless excludeSeen=false. Large catalogues are ranked in two stages (ANN candidates, then the model); `retrieval=exact|ann` asks for a path and `retrieval` in the reply says which ranked the items. Every reply has a `recommendationId` (send it with the events that follow); while an experiment runs, `experimentId` and `variant` say which variant's model ranked the user.")
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
        int? count,
        string? category,
        string? exclude,
        bool? excludeSeen,
        string? idEncoding,
        string? retrieval,
        ExperimentServing experiments)
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
        try
        {
            result = await grains.GetGrain<IUserGrain>(userId).Recommend(
                new RecommendationRequest(wanted, string.IsNullOrEmpty(category) ? null : Ids.Normalize(category), [.. excluded], excludeSeen ?? true, retrieval, placement?.Variant.ModelVersion));
        }
        catch (ScoringBusyException busy)
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(busy.RetryAfter.TotalSeconds));
            http.Response.Headers.RetryAfter = seconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Ranking is saturated.", detail: $"{busy.Message} Retry after {seconds} s.");
        }

        var served = experiments.Served(placement, result);
        return TypedResults.Ok(new RecommendationsResponse(
            [.. result.Items.Select(i => new RecommendedItem(i.ItemId, i.Score))],
            result.Source,
            result.ModelVersion,
            result.Retrieval)
        {
            RecommendationId = served.RecommendationId,
            ExperimentId = served.ExperimentId,
            Variant = served.Variant,
        });
    }

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
