using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.Extensions.Options;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Common;
using RecoGrid.Server.Events;

namespace RecoGrid.Api;

/// <summary>POST /v1/events: durable ingestion of interaction events.</summary>
public static class EventsApi
{
    public static RouteGroupBuilder MapEventsApi(this RouteGroupBuilder group)
    {
        group.MapPost("/events", PostEvents)
            .WithName("PostEvents")
            .WithSummary("Record a batch of interaction events.")
            .WithDescription("Accepts 1..Api:MaxEventBatchSize events, all or nothing. Answers 202 only once every event is durable. The body is {\"events\": [...]} or a bare array.")
            .Accepts<EventBatchRequest>("application/json")
            .Produces<EventsAccepted>(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return group;
    }

    private static async Task<IResult> PostEvents(
        HttpRequest request,
        IGrainFactory grains,
        IOptions<ApiOptions> api,
        IOptions<EventOptions> eventOptions,
        [FromKeyedServices(RecoGridClock.Key)] TimeProvider time,
        CancellationToken cancellationToken)
    {
        var (body, problem) = await RequestBody.ReadAsync<JsonElement>(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
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
            return RequestBody.Invalid(exception.Path?.TrimStart('$', '.') is { Length: > 0 } path ? path : "events", "has a value of the wrong type");
        }

        if (events is null || events.Count == 0)
        {
            return RequestBody.Invalid("events", "must hold at least one event");
        }

        if (events.Count > api.Value.MaxEventBatchSize)
        {
            return RequestBody.Invalid("events", $"holds {events.Count} events; the limit is Api:MaxEventBatchSize = {api.Value.MaxEventBatchSize}");
        }

        var now = time.GetUtcNow();
        var errors = new FieldErrors();
        var byUser = new Dictionary<string, ImmutableArray<Interaction>.Builder>(StringComparer.Ordinal);
        for (var i = 0; i < events.Count; i++)
        {
            var field = prefix.Length == 0 ? $"[{i}]" : $"{prefix}[{i}]";
            var interaction = EventRules.Validate(events[i], field, eventOptions.Value, now, errors);
            if (interaction is not null && errors.IsEmpty)
            {
                if (!byUser.TryGetValue(events[i].UserId!, out var list))
                {
                    byUser[events[i].UserId!] = list = ImmutableArray.CreateBuilder<Interaction>();
                }

                list.Add(interaction);
            }
        }

        if (!errors.IsEmpty)
        {
            return errors.ToProblem($"{errors.Count} field(s) are invalid; no event of this batch was recorded.");
        }

        // One grain call per user: a user's events in one batch cost one state write.
        await Task.WhenAll(byUser.Select(pair => grains.GetGrain<IUserGrain>(pair.Key).AddInteractions(pair.Value.ToImmutable())));
        return TypedResults.Accepted((string?)null, new EventsAccepted(events.Count));
    }
}
