using Microsoft.Extensions.Options;

namespace RecoGrid.Grains.Common;

/// <summary>Popularity settings (section <c>Popularity</c>).</summary>
public sealed class PopularityOptions
{
    public const string Section = "Popularity";

    /// <summary>Half-life of the exponential time decay of counts.</summary>
    public TimeSpan HalfLife { get; set; } = TimeSpan.FromDays(7);

    /// <summary>How often the shards are merged into one ranking (at most).</summary>
    public TimeSpan MergeInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How stale a silo's local copy of the ranking may get before it is refreshed.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How often a shard persists its counts; zero persists them before each event is acknowledged. Counts are derived
    /// data: a crash loses at most this much of their increments, never an acknowledged event.
    /// </summary>
    public TimeSpan PersistInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Length of the global ranking kept after a merge.</summary>
    public int TopGlobal { get; set; } = 2000;

    /// <summary>Length of each category's ranking kept after a merge.</summary>
    public int TopPerCategory { get; set; } = 500;
}

/// <summary>Validates <see cref="PopularityOptions"/>; messages name the setting.</summary>
public sealed class PopularityOptionsValidator : IValidateOptions<PopularityOptions>
{
    public ValidateOptionsResult Validate(string? name, PopularityOptions options)
    {
        var errors = new List<string>();
        if (options.HalfLife <= TimeSpan.Zero)
        {
            errors.Add("Popularity:HalfLife must be positive.");
        }

        if (options.PersistInterval < TimeSpan.Zero)
        {
            errors.Add("Popularity:PersistInterval must not be negative.");
        }

        if (options.MergeInterval < TimeSpan.Zero || options.RefreshInterval < TimeSpan.Zero)
        {
            errors.Add("Popularity:MergeInterval and Popularity:RefreshInterval must not be negative.");
        }

        if (options.TopGlobal < 1 || options.TopPerCategory < 1)
        {
            errors.Add("Popularity:TopGlobal and Popularity:TopPerCategory must be at least 1.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
