using Microsoft.Extensions.Options;

namespace RecoGrid.Server.Experiments;

/// <summary>A/B experiment settings (section <c>Experiments</c>).</summary>
public sealed class ExperimentOptions
{
    public const string Section = "Experiments";

    /// <summary>
    /// How often each node sends its buffered counts to the experiment's stats grain and re-reads the experiment list.
    /// Also the bound on what a hard-killed node loses: the counts of its last interval.
    /// </summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Event types that count as clicks of a recommendation.</summary>
    public List<string> ClickTypes { get; set; } = [];

    /// <summary>Event types that count as conversions of a recommendation.</summary>
    public List<string> ConversionTypes { get; set; } = [];

    /// <summary>The click types when none are configured.</summary>
    public static IReadOnlyList<string> DefaultClickTypes { get; } = ["view", "click"];

    /// <summary>The conversion types when none are configured.</summary>
    public static IReadOnlyList<string> DefaultConversionTypes { get; } = ["add-to-cart", "purchase"];

    /// <summary>The click types in effect.</summary>
    public IReadOnlyList<string> Clicks => ClickTypes.Count == 0 ? DefaultClickTypes : ClickTypes;

    /// <summary>The conversion types in effect.</summary>
    public IReadOnlyList<string> Conversions => ConversionTypes.Count == 0 ? DefaultConversionTypes : ConversionTypes;
}

/// <summary>Validates <see cref="ExperimentOptions"/>; messages name the setting.</summary>
public sealed class ExperimentOptionsValidator : IValidateOptions<ExperimentOptions>
{
    public ValidateOptionsResult Validate(string? name, ExperimentOptions options)
    {
        var errors = new List<string>();
        if (options.FlushInterval <= TimeSpan.Zero || options.FlushInterval > TimeSpan.FromMinutes(10))
        {
            errors.Add($"Experiments:FlushInterval must be positive and at most 10 minutes (was {options.FlushInterval}).");
        }

        if (options.Clicks.Intersect(options.Conversions, StringComparer.Ordinal).FirstOrDefault() is { } both)
        {
            errors.Add($"Experiments:ClickTypes and Experiments:ConversionTypes both list '{both}'; an event type counts as one or the other.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
