using Microsoft.Extensions.Options;

namespace RecoGrid.Grains.Models;

/// <summary>Model path settings (section <c>Scoring</c>, shared with the scoring engine's own options).</summary>
public sealed class ModelPathOptions
{
    public const string Section = "Scoring";

    /// <summary>Number of scoring grain partitions users are spread over by consistent hash.</summary>
    public int Partitions { get; set; } = 8;

    /// <summary>
    /// How long a recommendation waits for its scoring grain before it answers without the model (popularity-fallback,
    /// or 503 under <c>Api:ScoringUnavailable=unavailable</c>): bounds the wait when the scoring silo died mid-call.
    /// </summary>
    public TimeSpan CallTimeout { get; set; } = DefaultCallTimeout;

    /// <summary>The default <see cref="CallTimeout"/>.</summary>
    public static readonly TimeSpan DefaultCallTimeout = TimeSpan.FromSeconds(2);

    /// <summary>The bounds <see cref="CallTimeout"/> must lie within.</summary>
    public static readonly TimeSpan MinCallTimeout = TimeSpan.FromMilliseconds(10), MaxCallTimeout = TimeSpan.FromMinutes(5);
}

/// <summary>Validates <see cref="ModelPathOptions"/>; messages name the setting.</summary>
public sealed class ModelPathOptionsValidator : IValidateOptions<ModelPathOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelPathOptions options)
    {
        var errors = new List<string>();
        if (options.Partitions is < 1 or > 4096)
        {
            errors.Add($"Scoring:Partitions must be between 1 and 4096 (was {options.Partitions}).");
        }

        if (options.CallTimeout < ModelPathOptions.MinCallTimeout || options.CallTimeout > ModelPathOptions.MaxCallTimeout)
        {
            errors.Add($"Scoring:CallTimeout must be between {ModelPathOptions.MinCallTimeout} and {ModelPathOptions.MaxCallTimeout} (was {options.CallTimeout}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
