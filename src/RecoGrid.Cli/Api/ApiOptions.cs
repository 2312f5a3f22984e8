using Microsoft.Extensions.Options;

namespace RecoGrid.Cli.Api;

/// <summary>HTTP API limits (section <c>Api</c>).</summary>
public sealed class ApiOptions
{
    public const string Section = "Api";

    /// <summary>Most events one POST /v1/events may carry.</summary>
    public int MaxEventBatchSize { get; set; } = 1000;

    /// <summary>Most items one POST /v1/items:batch may carry.</summary>
    public int MaxItemBatchSize { get; set; } = 1000;

    /// <summary>Largest request body accepted, in bytes.</summary>
    public long MaxRequestBodyBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Largest <c>count</c> a recommendations request may ask for.</summary>
    public int MaxRecommendations { get; set; } = 500;
}

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

/// <summary>Validates API and event options; messages name the setting.</summary>
public sealed class ApiOptionsValidator : IValidateOptions<ApiOptions>, IValidateOptions<EventOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiOptions options)
    {
        var errors = new List<string>();
        if (options.MaxEventBatchSize < 1)
        {
            errors.Add("Api:MaxEventBatchSize must be at least 1.");
        }

        if (options.MaxItemBatchSize < 1)
        {
            errors.Add("Api:MaxItemBatchSize must be at least 1.");
        }

        if (options.MaxRequestBodyBytes < 1024)
        {
            errors.Add("Api:MaxRequestBodyBytes must be at least 1024.");
        }

        if (options.MaxRecommendations < 1)
        {
            errors.Add("Api:MaxRecommendations must be at least 1.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

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

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
