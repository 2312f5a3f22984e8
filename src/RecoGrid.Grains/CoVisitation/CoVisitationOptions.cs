using Microsoft.Extensions.Options;

namespace RecoGrid.Grains.CoVisitation;

/// <summary>Co-visitation settings (section <c>CoVisitation</c>): the counter behind the two-stage path's "what came next" candidates.</summary>
public sealed class CoVisitationOptions
{
    public const string Section = "CoVisitation";

    /// <summary>Shard grains the counts are spread over by source item.</summary>
    public int Shards { get; set; } = 16;

    /// <summary>Half-life of the counts' exponential time decay.</summary>
    public TimeSpan HalfLife { get; set; } = TimeSpan.FromDays(1);

    /// <summary>How many of a user's preceding items each new item counts as following.</summary>
    public int Window { get; set; } = 3;

    /// <summary>Followers kept per source item.</summary>
    public int MaxFollowers { get; set; } = 50;

    /// <summary>Source items kept per shard; the least recently followed go first.</summary>
    public int MaxSourcesPerShard { get; set; } = 200_000;

    /// <summary>How long a silo buffers co-visits before sending them to the shards.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a silo reuses an item's follower list before asking its shard again.</summary>
    public TimeSpan CacheInterval { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Validates <see cref="CoVisitationOptions"/>; messages name the setting.</summary>
public sealed class CoVisitationOptionsValidator : IValidateOptions<CoVisitationOptions>
{
    public ValidateOptionsResult Validate(string? name, CoVisitationOptions options)
    {
        var errors = new List<string>();
        if (options.Shards is < 1 or > 4096)
        {
            errors.Add($"CoVisitation:Shards must be between 1 and 4096 (was {options.Shards}).");
        }

        if (options.HalfLife <= TimeSpan.Zero)
        {
            errors.Add("CoVisitation:HalfLife must be positive.");
        }

        if (options.Window is < 1 or > 50)
        {
            errors.Add($"CoVisitation:Window must be between 1 and 50 (was {options.Window}).");
        }

        if (options.MaxFollowers is < 1 or > 1000)
        {
            errors.Add($"CoVisitation:MaxFollowers must be between 1 and 1000 (was {options.MaxFollowers}).");
        }

        if (options.MaxSourcesPerShard < 1)
        {
            errors.Add($"CoVisitation:MaxSourcesPerShard must be at least 1 (was {options.MaxSourcesPerShard}).");
        }

        if (options.FlushInterval <= TimeSpan.Zero || options.CacheInterval < TimeSpan.Zero)
        {
            errors.Add("CoVisitation:FlushInterval must be positive and CoVisitation:CacheInterval must not be negative.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
