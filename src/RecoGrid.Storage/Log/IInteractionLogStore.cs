namespace RecoGrid.Storage.Log;

/// <summary>
/// A partitioned, append-only log of opaque records: one exclusive writer per partition, any number of readers,
/// compaction of sealed segments and small per-partition metadata blobs. One instance per backend.
/// </summary>
public interface IInteractionLogStore
{
    /// <summary>How many partitions the log has (numbered from 0).</summary>
    int Partitions { get; }

    /// <summary>
    /// Opens the only writer of <paramref name="partition"/>; a second one, from this or another process, is refused with
    /// <see cref="LogPartitionLockedException"/>. Opening recovers the partition: a torn or corrupt tail left by a crash is
    /// cut off (and logged with what was cut), never read as data.
    /// </summary>
    Task<ILogPartitionWriter> OpenWriterAsync(int partition, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads records in sequence order from <paramref name="fromSequence"/> (inclusive) up to the durable end as of the call,
    /// or <paramref name="toExclusive"/> when that is sooner. Safe while a writer appends: a reader never sees a partially
    /// written or uncommitted record. A corrupt record before the durable end throws <see cref="LogCorruptionException"/>.
    /// </summary>
    IAsyncEnumerable<LogRecord> ReadAsync(int partition, long fromSequence, long? toExclusive = null, CancellationToken cancellationToken = default);

    /// <summary>The partition's segments, oldest first; the last one is the active one.</summary>
    Task<IReadOnlyList<LogSegmentInfo>> ListSegmentsAsync(int partition, CancellationToken cancellationToken = default);

    /// <summary>
    /// Compaction: atomically replaces the sealed segment named <paramref name="segmentFirstSequence"/> by the records for
    /// which <paramref name="keep"/> is true, with their sequence numbers and order unchanged. A failure or crash part-way
    /// leaves the old segment as it was.
    /// </summary>
    Task<SegmentRewriteResult> RewriteSegmentAsync(int partition, long segmentFirstSequence, Func<LogRecord, bool> keep, CancellationToken cancellationToken = default);

    /// <summary>
    /// Compaction that may also change records: <paramref name="transform"/> returns the record to keep (its own or a new
    /// type and payload, stored with the same sequence number and time) or null to drop it. Atomic like
    /// <see cref="RewriteSegmentAsync"/>; used to cut one user's events out of a record that holds several users' events.
    /// </summary>
    Task<SegmentRewriteResult> TransformSegmentAsync(int partition, long segmentFirstSequence, Func<LogRecord, LogAppend?> transform, CancellationToken cancellationToken = default);

    /// <summary>Reads the metadata blob <paramref name="name"/> of a partition, or null when it was never written.</summary>
    Task<ReadOnlyMemory<byte>?> ReadMetadataAsync(int partition, string name, CancellationToken cancellationToken = default);

    /// <summary>Durably replaces the metadata blob <paramref name="name"/> (watermarks, checkpoints): readers see the old or the new content, never a mix.</summary>
    Task WriteMetadataAsync(int partition, string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);
}
