using Microsoft.Extensions.Options;

namespace RecoGrid.Grains.Models;

/// <summary>Model path settings (section <c>Scoring</c>, shared with the scoring engine's own options).</summary>
public sealed class ModelPathOptions
{
    public const string Section = "Scoring";

    /// <summary>Number of scoring grain partitions users are spread over by consistent hash.</summary>
    public int Partitions { get; set; } = 8;
}

/// <summary>Validates <see cref="ModelPathOptions"/>; messages name the setting.</summary>
public sealed class ModelPathOptionsValidator : IValidateOptions<ModelPathOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelPathOptions options) =>
        options.Partitions is < 1 or > 4096
            ? ValidateOptionsResult.Fail($"Scoring:Partitions must be between 1 and 4096 (was {options.Partitions}).")
            : ValidateOptionsResult.Success;
}
