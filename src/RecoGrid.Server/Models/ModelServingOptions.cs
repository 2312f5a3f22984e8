using Microsoft.Extensions.Options;

namespace RecoGrid.Server.Models;

/// <summary>Model-serving settings (section <c>Models</c>).</summary>
public sealed class ModelServingOptions
{
    public const string Section = "Models";

    /// <summary>How often the registry is checked for a new promotion.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>Validates <see cref="ModelServingOptions"/>; messages name the setting.</summary>
public sealed class ModelServingOptionsValidator : IValidateOptions<ModelServingOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelServingOptions options) =>
        options.PollInterval <= TimeSpan.Zero
            ? ValidateOptionsResult.Fail($"Models:PollInterval must be positive (was {options.PollInterval}).")
            : ValidateOptionsResult.Success;
}
