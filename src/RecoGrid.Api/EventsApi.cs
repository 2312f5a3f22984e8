using System.Text.Json;
using Microsoft.Extensions.Options;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Common;
using RecoGrid.Grains.Telemetry;
using RecoGrid.Server.Events;
using RecoGrid.Server.Experiments;
using RecoGrid.Server.Ingestion;

namespace RecoGrid.Api;

/// <summary>POST /v1/events: durable ingestion of interaction events.</summary>
public static class EventsApi
{
    public static RouteGroupBuilder MapEventsApi(this RouteGroupBuilder group)
    {
        group.MapPost("/events", PostEvents)
            .WithName("PostEvents")
            .WithSummary("Record a batch of interaction events.")
            .WithDescription("Accepts 1..Api:MaxEventBatchSize events, all or nothing. Answers 202 only once every event is durable in the interaction log; 503 with Retry-After (nothing recorded) when the log cannot make them durable. An event may carry a client `eventId` (up to 128 characters): a repeat of a recent id for the same user is acknowledged as a duplicate and not counted again. An event may carry the `recommendationId` of the recommendation response it followed: it must be one this service issued (to this user, in a known experiment), and counts for that response's experiment variant. The body is {\"events\": [...]} or a bare array.")
            .Accepts<EventBatchRequest>("application/json")
            .Produces<EventsAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);

        group.MapPost("/events:validate", ValidateEvents)
            .WithName("ValidateEvents")
            .WithSummary("Check a batch of events without recording it.")
            .WithDescription("Parses and validates exactly as POST /v1/events does and answers 200 {valid} or the same 400 problem, but writes nothing: a dry run for clients, and the HTTP-only ceiling in ingestion benchmarks.")
            .Accepts<EventBatchRequest>("application/json")
            .Produces<EventsValid>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge);
        return group;
    }

    private static async Task<IResult> PostEvents(
        HttpRequest request,
        EventIngestion ingestion,
        IOptions<ApiOptions> api,
        IOptions<EventOptions> eventOptions,
        [FromKeyedServices(RecoGridClock.Key)] TimeProvider time,
        ExperimentServing experiments,
        CancellationToken cancellationToken)
    {
        var hits = new List<ExperimentHit>();
        var (logged, problem) = await ReadBatchAsync(request, api.Value, eventOptions.Value, time, cancellationToken, countRejected: true, experiments, hits);
        if (problem is not null)
        {
            return problem;
        }

        var result = await ingestion.IngestAsync(logged!);
        experiments.Followed(hits, result.Duplicates);
        return TypedResults.Accepted((string?)null, new EventsAccepted(result.Accepted, result.Duplicates));
    }

    private static async Task<IResult> ValidateEvents(
        HttpRequest request,
        IOptions<ApiOptions> api,
        IOptions<EventOptions> eventOptions,
        [FromKeyedServices(RecoGridClock.Key)] TimeProvider time,
        ExperimentServing experiments,
        CancellationToken cancellationToken)
    {
        var (logged, problem) = await ReadBatchAsync(request, api.Value, eventOptions.Value, time, cancellationToken, countRejected: false, experiments, []);
        return problem ?? TypedResults.Ok(new EventsValid(logged!.Count));
    }

    /// <summary>Reads and validates a batch; returns the events ready for the log, or the problem to answer with.</summary>
    private static async Task<(List<LoggedEvent>? Events, IResult? Problem)> ReadBatchAsync(
        HttpRequest request, ApiOptions api, EventOptions eventOptions, TimeProvider time, CancellationToken cancellationToken, bool countRejected,
        ExperimentServing experiments, List<ExperimentHit> hits)
    {
        var (body, problem) = await RequestBody.ReadAsync<JsonElement>(request, cancellationToken);
        if (problem is not null)
        {
            return (null, problem);
        }

        IReadOnlyList<EventInput>? events;
        string prefix;
        try
        {
            (events, prefix) = body.ValueKind switch
            {
                JsonValueKind.Array => (body.Deserialize<List<EventInput>>(RequestBody.Json), ""),
                JsonValueKind.Object => (body.Deserialize<EventBatchRequest>(RequestBody.Json)?.Events, "events"),
                _ => (null, "events"),
            };
        }
        catch (JsonException exception)
        {
            return (null, RequestBody.Invalid(exception.Path?.TrimStart('$', '.') is { Length: > 0 } path ? path : "events", "has a value of the wrong type"));
        }

        if (events is null || events.Count == 0)
        {
            return (null, RequestBody.Invalid("events", "must hold at least one event"));
        }

        if (events.Count > api.MaxEventBatchSize)
        {
            CountRejected(countRejected, events, eventOptions);
            return (null, RequestBody.Invalid("events", $"holds {events.Count} events; the limit is Api:MaxEventBatchSize = {api.MaxEventBatchSize}"));
        }

        var now = time.GetUtcNow();
        var errors = new FieldErrors();
        var logged = new List<LoggedEvent>(events.Count);
        for (var i = 0; i < events.Count; i++)
        {
            var field = prefix.Length == 0 ? $"[{i}]" : $"{prefix}[{i}]";
            if (EventRules.ValidateForLog(events[i], field, eventOptions, now, errors) is { } valid && errors.IsEmpty)
            {
                logged.Add(valid);
            }

            if (await experiments.CheckAsync(events[i], field, errors) is { } hit)
            {
                hits.Add(hit);
            }
        }

        if (!errors.IsEmpty)
        {
            CountRejected(countRejected, events, eventOptions);
        }

        return errors.IsEmpty
            ? (logged, null)
            : (null, errors.ToProblem($"{errors.Count} field(s) are invalid; no event of this batch was recorded."));
    }

    // A rejected batch records nothing, so each of its events counts as rejected; unknown types count as "other".
    private static void CountRejected(bool count, IReadOnlyList<EventInput> events, EventOptions options)
    {
        if (count)
        {
            GrainsMetrics.RecordEventTypes(events.Select(e => e?.Type is { } type && options.Types.ContainsKey(type) ? type : "other"), GrainsMetrics.Rejected);
        }
    }
}
