using Microsoft.Extensions.Options;

namespace RecoGrid.Grains.Common;

/// <summary>Cold-start settings of recommendation lists (section <c>Recommendations</c>).</summary>
public sealed class RecommendationOptions
{
    public const string Section = "Recommendations";

    /// <summary>
    /// A user whose model vector is a fold-in of fewer events than this gets popular items blended into the list,
    /// fewer with every event; 0 turns the blend off. Users with a trained vector are never blended.
    /// </summary>
    public int ColdStartEvents { get; set; } = 5;

    /// <summary>The share of positions popularity takes for a user with no events yet; it falls linearly to 0 at <see cref="ColdStartEvents"/>.</summary>
    public double ColdStartWeight { get; set; } = 0.5;

    /// <summary>Share of positions (rounded down) given to exploration: recent, available items the model has no factors for; 0 turns it off.</summary>
    public double ExplorationShare { get; set; } = 0.1;

    /// <summary>How many of the most recently catalogued unfactored items exploration rotates through (each user starts at their own offset).</summary>
    public int ExplorationPool { get; set; } = 100;
}

/// <summary>Validates <see cref="RecommendationOptions"/>; messages name the setting.</summary>
public sealed class RecommendationOptionsValidator : IValidateOptions<RecommendationOptions>
{
    public ValidateOptionsResult Validate(string? name, RecommendationOptions options)
    {
        var errors = new List<string>();
        if (options.ColdStartEvents is < 0 or > 10_000)
        {
            errors.Add($"Recommendations:ColdStartEvents must be between 0 and 10000 (was {options.ColdStartEvents}).");
        }

        if (!(options.ColdStartWeight is >= 0 and <= 1))
        {
            errors.Add($"Recommendations:ColdStartWeight must be between 0 and 1 (was {options.ColdStartWeight}).");
        }

        if (!(options.ExplorationShare is >= 0 and <= 0.5))
        {
            errors.Add($"Recommendations:ExplorationShare must be between 0 and 0.5 (was {options.ExplorationShare}).");
        }

        if (options.ExplorationPool is < 1 or > 100_000)
        {
            errors.Add($"Recommendations:ExplorationPool must be between 1 and 100000 (was {options.ExplorationPool}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
