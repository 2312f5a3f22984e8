using RecoGrid.Server.Retraining;

namespace RecoGrid.Api;

/// <summary>/v1/admin/retrain and /v1/admin/models/history: retraining from the interaction log (same as `recogrid retrain`).</summary>
public static class RetrainingApi
{
    /// <summary>The recorded runs, newest first.</summary>
    public sealed record HistoryResponse(IReadOnlyList<RetrainingRun> Runs);

    /// <summary>Maps POST /admin/retrain and GET /admin/retrain/{id} under <paramref name="group"/> (the /v1 group).</summary>
    public static RouteGroupBuilder MapRetrainingApi(this RouteGroupBuilder group)
    {
        var retrain = group.MapGroup("/admin/retrain").WithTags("Retraining (admin)");
        retrain.MapPost("", Start)
            .WithName("StartRetraining")
            .WithSummary("Start a retraining run now: snapshot the interaction log, train on the cluster, gate against the serving model, promote if it passes.")
            .Produces<RetrainingRun>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        retrain.MapGet("/{id}", Get)
            .WithName("GetRetraining")
            .WithSummary("A retraining run's progress (step, iteration, blocks of the half-step) or, once finished, its record.")
            .Produces<RetrainingRun>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    /// <summary>Maps GET /history under the /admin/models group.</summary>
    public static RouteGroupBuilder MapModelHistoryApi(this RouteGroupBuilder models)
    {
        models.MapGet("/history", History)
            .WithName("ModelHistory")
            .WithSummary("Every recorded retraining run, newest first: data size, durations per step, metrics of the new and the serving model, and the gate's decision.")
            .Produces<HistoryResponse>();
        return models;
    }

    private static async Task<IResult> Start(RetrainingService retraining)
    {
        var start = await retraining.StartAsync("manual");
        return start.Started
            ? TypedResults.Accepted($"/v1/admin/retrain/{start.Run.Id}", start.Run)
            : TypedResults.Problem(
                statusCode: StatusCodes.Status409Conflict,
                title: "A retraining run is already in progress.",
                detail: $"Run {start.Run.Id} is at step {start.Run.Step}; follow it at /v1/admin/retrain/{start.Run.Id}. Only one runs at a time across the cluster.",
                extensions: new Dictionary<string, object?> { ["runId"] = start.Run.Id });
    }

    private static async Task<IResult> Get(string id, RetrainingService retraining) =>
        await retraining.GetAsync(id) is { } run
            ? TypedResults.Ok(run)
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown retraining run.", detail: $"There is no retraining run '{id}'; see /v1/admin/models/history.");

    private static async Task<IResult> History(RetrainingService retraining, CancellationToken cancellationToken) =>
        TypedResults.Ok(new HistoryResponse(await retraining.HistoryAsync(cancellationToken)));
}
