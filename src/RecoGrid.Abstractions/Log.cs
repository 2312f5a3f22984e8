using Orleans.Concurrency;
using System.Collections.Immutable;

namespace RecoGrid.Abstractions;

/// <summary>One validated event bound for the interaction log: whose it is, what it was, and the client's id for it.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.logged-event.v1")]
public sealed record LoggedEvent(
    [property: Id(0)] string UserId,
    [property: Id(1)] Interaction Interaction,
    [property: Id(2)] string? EventId);

/// <summary>
/// The events of one request that belong to one log partition. A request spanning several partitions is one batch of
/// several parts: it becomes visible only once every part is durable (<see cref="PartCount"/> parts, in <see cref="Partitions"/>).
/// </summary>
[GenerateSerializer, Immutable, Alias("recogrid.log-batch-part.v1")]
public sealed record LogBatchPart(
    [property: Id(0)] Guid BatchId,
    [property: Id(1)] int PartCount,
    [property: Id(2)] ImmutableArray<int> Partitions,
    [property: Id(3)] ImmutableArray<LoggedEvent> Events);

/// <summary>What appending a part did: how many events were new and how many repeated an earlier eventId of the same user.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.log-append-result.v1")]
public sealed record LogAppendResult(
    [property: Id(0)] int Accepted,
    [property: Id(1)] int Duplicates,
    [property: Id(2)] long FirstSequence);

/// <summary>A user's interactions from one log record, with the record's sequence number in the user's partition.</summary>
/// <summary>
/// What a catch-up returns: the user's records, and the silo of the partition activation that hands the user its new
/// records from now on (the user grain subscribes again if that silo dies).
/// </summary>
[GenerateSerializer, Immutable, Alias("recogrid.catch-up-result.v1")]
public sealed record CatchUpResult(
    [property: Id(0)] ImmutableArray<SequencedInteractions> Records,
    [property: Id(1)] SiloAddress Silo);

[GenerateSerializer, Immutable, Alias("recogrid.sequenced-interactions.v1")]
public sealed record SequencedInteractions(
    [property: Id(0)] long Sequence,
    [property: Id(1)] ImmutableArray<Interaction> Interactions,
    [property: Id(2)] bool Erase);

/// <summary>How one partition of the interaction log stands.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.log-partition-status.v1")]
public sealed record LogPartitionStatus(
    [property: Id(0)] int Partition,
    [property: Id(1)] long NextSequence,
    [property: Id(2)] long ProjectedThrough,
    [property: Id(3)] int UsersBehind,
    [property: Id(4)] int PendingBatches,
    [property: Id(5)] long DeduplicationEntries,
    [property: Id(6)] long Flushes,
    [property: Id(7)] long Records,
    [property: Id(8)] int Tombstones);

/// <summary>Thrown to API callers when an append could not be made durable; the HTTP layer answers 503 with Retry-After.</summary>
[GenerateSerializer, Alias("recogrid.log-unavailable-exception.v1")]
public sealed class LogUnavailableException : Exception
{
    public LogUnavailableException()
    {
    }

    public LogUnavailableException(string message)
        : base(message)
    {
    }

    public LogUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// One partition of the interaction log: the single writer that orders, de-duplicates and group-commits the events of
/// the users that hash to it, then hands them, in order, to their user grains and to its popularity shard.
/// Key: partition number.
/// </summary>
[Alias("recogrid.ILogPartitionGrain")]
public interface ILogPartitionGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Appends a part durably. A batch of one part is visible (applied to its users) when this returns; a part of a larger
    /// batch waits for <see cref="Commit"/> or <see cref="Abort"/>. Throws <see cref="LogUnavailableException"/> when the
    /// part could not be made durable.
    /// </summary>
    [Alias("Append")]
    Task<LogAppendResult> Append(LogBatchPart part);

    /// <summary>Makes a durable part of a multi-part batch visible; returns once its users have applied it.</summary>
    [Alias("Commit")]
    Task Commit(Guid batchId);

    /// <summary>Drops a part whose batch failed elsewhere; it never becomes visible.</summary>
    [Alias("Abort")]
    Task Abort(Guid batchId);

    /// <summary>Writes a tombstone for a user and erases the user's state; returns the tombstone's sequence number.</summary>
    [Alias("Erase")]
    Task<long> Erase(string userId);

    /// <summary>
    /// The user's visible records at or after <paramref name="position"/> (the first sequence its state lacks) that the
    /// partition has not yet seen covered by a durable checkpoint: what a state reloaded after a crash or a failed
    /// checkpoint must still apply. Records whose batch is undecided are held back (with everything after them).
    /// </summary>
    /// <remarks>
    /// It also subscribes this activation of the user grain (<paramref name="activation"/>): from now on the partition
    /// hands it new records at once. Users whose grain is not active cost the partition nothing but a note of where their
    /// records are; they catch up when next activated.
    /// </remarks>
    [Alias("CatchUp")]
    Task<CatchUpResult> CatchUp(string userId, long position, Guid activation);

    /// <summary>The user grain's activation is going away: stop handing it records (they wait in the log for the next one).</summary>
    [Alias("Deactivated"), OneWay]
    Task Deactivated(string userId, Guid activation);

    /// <summary>
    /// A projection (a user grain, or the partition's popularity shard when <paramref name="userId"/> is null) made its
    /// state durable with every record before <paramref name="position"/> applied.
    /// </summary>
    [Alias("Checkpointed"), OneWay]
    Task Checkpointed(string? userId, long position);

    /// <summary>Returns once the partition's popularity shard counts every decided record (the popularity merge calls it first).</summary>
    [Alias("FlushPopularity")]
    Task FlushPopularity();

    /// <summary>The partition's positions and counters.</summary>
    [Alias("GetStatus")]
    Task<LogPartitionStatus> GetStatus();

    /// <summary>Removes erased users' records from sealed segments now; returns how many records were dropped.</summary>
    [Alias("Compact")]
    Task<long> Compact();
}
