using RecoGrid.Abstractions;

namespace RecoGrid.Server.Events;

/// <summary>The rules one event must pass.</summary>
public static class EventRules
{
    /// <summary>Longest client event id.</summary>
    public const int MaxEventIdLength = 128;

    /// <summary>Validates one event, adding field errors; returns it ready for the log when valid.</summary>
    public static LoggedEvent? ValidateForLog(EventInput? dto, string field, EventOptions options, DateTimeOffset now, FieldErrors errors)
    {
        var before = errors.Count;
        var interaction = Validate(dto, field, options, now, errors);
        if (dto?.EventId is { } eventId && Ids.Check(eventId, MaxEventIdLength) is { } problem)
        {
            errors.Add($"{field}.eventId", problem);
        }

        return interaction is null || errors.Count != before
            ? null
            : new LoggedEvent(Ids.Normalize(dto!.UserId!), interaction, dto.EventId is null ? null : Ids.Normalize(dto.EventId));
    }

    /// <summary>Validates one event, adding field errors; returns the interaction when valid.</summary>
    public static Interaction? Validate(EventInput? dto, string field, EventOptions options, DateTimeOffset now, FieldErrors errors)
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
        return new Interaction(Ids.Normalize(dto.ItemId!), dto.Type!, weight, dto.Value is { } v ? (float)v : null, timestamp.ToUniversalTime());
    }

    private static string Truncate(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
