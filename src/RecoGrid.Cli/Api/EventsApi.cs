using RecoGrid.Grains.Common;
using System.Collections.Immutable;
using System.Text.Json;
using Microsoft.Extensions.Options;
using RecoGrid.Abstractions;

namespace RecoGrid.Cli.Api;

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

        IReadOnlyList<EventDto>? events;
        string prefix;
        try
        {
            (events, prefix) = body.ValueKind switch
            {
                JsonValueKind.Array => (body.Deserialize<List<EventDto>>(RequestBody.Json), ""),
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
        var errors = new ValidationErrors();
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

/// <summary>The rules one event must pass.</summary>
public static class EventRules
{
    /// <summary>Validates one event, adding field errors; returns the interaction when valid.</summary>
    public static Interaction? Validate(EventDto? dto, string field, EventOptions options, DateTimeOffset now, ValidationErrors errors)
    {
        if (dto is null)
        {
            errors.Add(field, "must be an event object");
            return null;
        }

        var before = errors.Count;
        if (Ids.Check(dto.UserId) is { } userProblem)
        {
            errors.Add($"{field}.userId", userProblem);
        }

        if (Ids.Check(dto.ItemId) is { } itemProblem)
        {
            errors.Add($"{field}.itemId", itemProblem);
        }

        float typeWeight = 0;
        if (dto.Type is null)
        {
            errors.Add($"{field}.type", "is required");
        }
        else if (!options.Types.TryGetValue(dto.Type, out typeWeight))
        {
            errors.Add($"{field}.type", $"'{Truncate(dto.Type)}' is not a known event type; known types: {string.Join(", ", options.Types.Keys.Order(StringComparer.Ordinal))}");
        }

        var isRating = string.Equals(dto.Type, options.RatingType, StringComparison.Ordinal);
        if (dto.Value is { } value)
        {
            if (!double.IsFinite(value))
            {
                errors.Add($"{field}.value", "must be a finite number");
            }
            else if (isRating && (value < options.RatingMin || value > options.RatingMax))
            {
                errors.Add($"{field}.value", $"a rating must be between {options.RatingMin} and {options.RatingMax} (got {value})");
            }
            else if (!isRating && (value <= 0 || value > options.MaxValue))
            {
                errors.Add($"{field}.value", $"must be greater than 0 and at most Events:MaxValue = {options.MaxValue} (got {value})");
            }
        }
        else if (isRating)
        {
            errors.Add($"{field}.value", "is required for a rating");
        }

        var timestamp = dto.Timestamp ?? now;
        if (timestamp > now + options.MaxFutureSkew)
        {
            errors.Add($"{field}.timestamp", $"is more than {options.MaxFutureSkew} in the future (server time {now:O})");
        }
        else if (timestamp < DateTimeOffset.UnixEpoch)
        {
            errors.Add($"{field}.timestamp", "is before 1970-01-01");
        }

        if (errors.Count != before)
        {
            return null;
        }

        var weight = typeWeight * (float)(dto.Value ?? 1);
        return new Interaction(dto.ItemId!, dto.Type!, weight, dto.Value is { } v ? (float)v : null, timestamp.ToUniversalTime());
    }

    private static string Truncate(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
