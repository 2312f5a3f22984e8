using Microsoft.Extensions.Options;

namespace RecoGrid.Server.Events;

/// <summary>Event types and value rules (section <c>Events</c>).</summary>
public sealed class EventOptions
{
    public const string Section = "Events";

    /// <summary>Known event types and their weights; add types in configuration (<c>Events:Types:share=3</c>).</summary>
    public Dictionary<string, float> Types { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The event type whose <c>value</c> is a rating (required, within the rating range).</summary>
    public string RatingType { get; set; } = "rating";

    public float RatingMin { get; set; }

    public float RatingMax { get; set; } = 5;

    /// <summary>Largest <c>value</c> for non-rating events (the weight is multiplied by it).</summary>
    public float MaxValue { get; set; } = 1000;

    /// <summary>How far in the future a timestamp may be (clock skew between services).</summary>
    public TimeSpan MaxFutureSkew { get; set; } = TimeSpan.FromDays(1);
}

/// <summary>Validates <see cref="EventOptions"/>; messages name the setting.</summary>
public sealed class EventOptionsValidator : IValidateOptions<EventOptions>
{
    public ValidateOptionsResult Validate(string? name, EventOptions options)
    {
        var errors = new List<string>();
        if (options.Types.Count == 0)
        {
            errors.Add("Events:Types must declare at least one event type.");
        }

        foreach (var (type, weight) in options.Types)
        {
            if (!float.IsFinite(weight) || weight <= 0)
            {
                errors.Add($"Events:Types:{type} must be a positive weight, not {weight}.");
            }
        }

        if (options.RatingMin > options.RatingMax)
        {
            errors.Add("Events:RatingMin must not exceed Events:RatingMax.");
        }

        if (options.MaxValue <= 0)
        {
            errors.Add("Events:MaxValue must be positive.");
        }

        if (options.MaxFutureSkew < TimeSpan.Zero)
        {
            errors.Add("Events:MaxFutureSkew must not be negative.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
