namespace RecoGrid.Storage.Log;

/// <summary>Limits of one group commit: how much a flush may take and how long it may wait to gather more.</summary>
public sealed class LogGroupCommitOptions
{
    /// <summary>Most records in one flush; an append larger than this is flushed on its own.</summary>
    public int MaxBatchRecords { get; set; } = 10_000;

    /// <summary>Most payload bytes in one flush; an append larger than this is flushed on its own.</summary>
    public int MaxBatchBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// How long the oldest queued append may wait for others to join its flush (Kafka's linger). Zero, the default,
    /// flushes as soon as the previous flush ends, which already batches whatever arrived during it.
    /// </summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.Zero;
}

/// <summary>What a <see cref="LogGroupCommitter"/> has done so far: successful appends and flushes, failures and flush latency.</summary>
public readonly record struct LogGroupCommitCounters(
    long Appends,
    long Flushes,
    long FailedFlushes,
    long Records,
    long PayloadBytes,
    TimeSpan TotalFlushTime,
    TimeSpan MaxFlushTime,
    long LargestFlushRecords)
{
    /// <summary>Mean time of a successful flush, zero before the first.</summary>
    public TimeSpan MeanFlushTime => Flushes == 0 ? TimeSpan.Zero : TotalFlushTime / Flushes;
}
