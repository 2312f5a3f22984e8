using Microsoft.Extensions.Options;

namespace RecoGrid.Grains.Common;

/// <summary>Item catalogue settings (section <c>Catalog</c>).</summary>
public sealed class CatalogOptions
{
    public const string Section = "Catalog";

    /// <summary>Number of catalogue shard grains. Changing it on existing data re-homes items: set it once.</summary>
    public int Shards { get; set; } = 16;

    /// <summary>How stale a silo's local copy of the catalogue may get before it is refreshed.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>Validates <see cref="CatalogOptions"/>; messages name the setting.</summary>
public sealed class CatalogOptionsValidator : IValidateOptions<CatalogOptions>
{
    public ValidateOptionsResult Validate(string? name, CatalogOptions options)
    {
        if (options.Shards is < 1 or > 4096)
        {
            return ValidateOptionsResult.Fail("Catalog:Shards must be between 1 and 4096.");
        }

        return options.RefreshInterval < TimeSpan.Zero
            ? ValidateOptionsResult.Fail("Catalog:RefreshInterval must not be negative.")
            : ValidateOptionsResult.Success;
    }
}
