using Microsoft.Extensions.Options;
using RecoGrid.Grains.Models;
using RecoGrid.Scoring;

namespace RecoGrid.Api;

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

    /// <summary>
    /// What recommendations answer when no scoring silo can rank: <c>fallback</c> (popularity, <c>source</c>
    /// "popularity-fallback") or <c>unavailable</c> (503 with Retry-After).
    /// </summary>
    public string ScoringUnavailable { get; set; } = ScoringUnavailableModes.Fallback;

    /// <summary>
    /// How long a recommendations request waits for the user's grain before answering from this node's popularity
    /// ranking (<c>popularity-fallback</c>): bounds the wait when the grain's node died or the grain is still being
    /// recovered. Longer than <c>Scoring:CallTimeout</c>, which bounds the grain's own wait for scoring.
    /// </summary>
    public TimeSpan RecommendationTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Values of <see cref="ApiOptions.ScoringUnavailable"/>.</summary>
public static class ScoringUnavailableModes
{
    public const string Fallback = "fallback";
    public const string Unavailable = "unavailable";
}

/// <summary>Validates <see cref="ApiOptions"/>; messages name the setting.</summary>
public sealed class ApiOptionsValidator(IOptions<ModelPathOptions> modelPath) : IValidateOptions<ApiOptions>
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

        if (options.MaxRecommendations is < 1 or > ScoringRequest.MaxCount)
        {
            errors.Add($"Api:MaxRecommendations must be between 1 and {ScoringRequest.MaxCount} (was {options.MaxRecommendations}).");
        }

        if (options.ScoringUnavailable is not (ScoringUnavailableModes.Fallback or ScoringUnavailableModes.Unavailable))
        {
            errors.Add($"Api:ScoringUnavailable must be {ScoringUnavailableModes.Fallback} or {ScoringUnavailableModes.Unavailable} (was '{options.ScoringUnavailable}').");
        }

        var callTimeout = modelPath.Value.CallTimeout;
        if (options.RecommendationTimeout <= callTimeout || options.RecommendationTimeout > TimeSpan.FromMinutes(5))
        {
            errors.Add($"Api:RecommendationTimeout must be longer than Scoring:CallTimeout ({callTimeout}) and at most 00:05:00 (was {options.RecommendationTimeout}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
