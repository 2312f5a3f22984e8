using Microsoft.Extensions.Options;

namespace RecoGrid.Grains.Log;

/// <summary>How the log partitions order, de-duplicate and project events (section <c>Log</c>, beside the backend's own settings).</summary>
public sealed class InteractionLogOptions
{
    public const string Section = "Log";

    /// <summary>
    /// How many of the most recent client event ids each partition remembers; an event whose id (for the same user) is
    /// among them is acknowledged as a duplicate and not recorded again. About 40 bytes of memory per id.
    /// </summary>
    public int DeduplicationWindow { get; set; } = 200_000;

    /// <summary>How often a partition records how far its projections are durable (and so where recovery starts).</summary>
    public TimeSpan ProjectionInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A user whose state has lagged its durable checkpoint this long is asked to checkpoint.</summary>
    public TimeSpan CheckpointAge { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Most checkpoint requests a partition sends per projection interval (bounds the write rate they cause).</summary>
    public int CheckpointRequestsPerInterval { get; set; } = 2_000;

    /// <summary>A part of a multi-part batch left undecided this long (its sender died) is decided from the other partitions.</summary>
    public TimeSpan PendingTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often sealed segments holding erased users' records are compacted.</summary>
    public TimeSpan CompactionInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a flush may wait to gather more appends (0: flush as soon as the previous one ends).</summary>
    public TimeSpan GroupCommitDelay { get; set; } = TimeSpan.Zero;
}

/// <summary>Validates <see cref="InteractionLogOptions"/>; messages name the setting.</summary>
public sealed class InteractionLogOptionsValidator : IValidateOptions<InteractionLogOptions>
{
    public ValidateOptionsResult Validate(string? name, InteractionLogOptions options)
    {
        var errors = new List<string>();
        if (options.DeduplicationWindow is < 0 or > 50_000_000)
        {
            errors.Add($"Log:DeduplicationWindow must be between 0 and 50000000 (was {options.DeduplicationWindow}).");
        }

        foreach (var (key, value) in new[]
        {
            ("ProjectionInterval", options.ProjectionInterval), ("CheckpointAge", options.CheckpointAge),
            ("PendingTimeout", options.PendingTimeout), ("CompactionInterval", options.CompactionInterval),
        })
        {
            if (value <= TimeSpan.Zero)
            {
                errors.Add($"Log:{key} must be positive (was {value}).");
            }
        }

        if (options.CheckpointRequestsPerInterval < 1)
        {
            errors.Add($"Log:CheckpointRequestsPerInterval must be at least 1 (was {options.CheckpointRequestsPerInterval}).");
        }

        if (options.GroupCommitDelay < TimeSpan.Zero || options.GroupCommitDelay > TimeSpan.FromSeconds(1))
        {
            errors.Add($"Log:GroupCommitDelay must be between 0 and 1 second (was {options.GroupCommitDelay}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
