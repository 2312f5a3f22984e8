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

    /// <summary>
    /// A user whose records have waited this long for a durable checkpoint is asked to checkpoint (its grain is woken for
    /// it, then let go). Until then the records are read from the log when the user's grain activates.
    /// </summary>
    public TimeSpan CheckpointAge { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Users per partition whose records wait for a checkpoint before the oldest are asked to checkpoint regardless of age
    /// (about 130 bytes of memory each); it bounds the partition's memory and how far recovery reads back.
    /// </summary>
    public int MaxUsersBehind { get; set; } = 250_000;

    /// <summary>Most checkpoint requests a partition sends per projection interval (bounds the writes they cause).</summary>
    public int CheckpointRequestsPerInterval { get; set; } = 100;

    /// <summary>Bytes of recent records a partition keeps decoded in memory to answer catch-ups without reading the disk.</summary>
    public long RecentRecordBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>A part of a multi-part batch left undecided this long (its sender died) is decided from the other partitions.</summary>
    public TimeSpan PendingTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Longest a request to a partition waits on something outside itself: users applying the records it appended, an
    /// undecided batch that a catch-up or a retried event id queues behind. The append is durable before the wait; after
    /// it the records reach their users in the background, and a catch-up or retry is answered "retry shortly". Bounded
    /// because the runtime deactivates a partition (when the node that kept its directory entry dies) only once its
    /// running requests end, and holds every new request meanwhile, the commits such a wait needs among them.
    /// </summary>
    public TimeSpan WaitLimit { get; set; } = TimeSpan.FromSeconds(5);

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
            ("PendingTimeout", options.PendingTimeout), ("CompactionInterval", options.CompactionInterval), ("WaitLimit", options.WaitLimit),
        })
        {
            if (value <= TimeSpan.Zero)
            {
                errors.Add($"Log:{key} must be positive (was {value}).");
            }
        }

        if (options.WaitLimit > TimeSpan.FromSeconds(20))
        {
            errors.Add($"Log:WaitLimit must be at most 20 seconds, below the runtime's 30 s call and deactivation timeouts (was {options.WaitLimit}).");
        }

        if (options.MaxUsersBehind < 1)
        {
            errors.Add($"Log:MaxUsersBehind must be at least 1 (was {options.MaxUsersBehind}).");
        }

        if (options.RecentRecordBytes < 0)
        {
            errors.Add($"Log:RecentRecordBytes must not be negative (was {options.RecentRecordBytes}).");
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
