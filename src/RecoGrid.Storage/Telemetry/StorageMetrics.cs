using System.Diagnostics.Metrics;

namespace RecoGrid.Storage.Telemetry;

/// <summary>
/// The storage meter (<c>RecoGrid.Storage</c>): per interaction-log flush, how many records one group commit carried,
/// its bytes, how long the write and fsync took, and failed flushes; tagged with the log partition.
/// </summary>
public static class StorageMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "RecoGrid.Storage";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Histogram<int> CommitSize = Meter.CreateHistogram(
        "recogrid.log.commit.size", "{record}", "Records written by one group commit (one write and one fsync).",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096] });

    private static readonly Counter<long> CommitBytes = Meter.CreateCounter<long>(
        "recogrid.log.commit.bytes", "By", "Payload bytes written to the interaction log.");

    private static readonly Histogram<double> FlushDuration = Meter.CreateHistogram(
        "recogrid.log.flush.duration", "s", "Time one group commit took to write and make its records durable.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] });

    private static readonly Counter<long> FailedFlushes = Meter.CreateCounter<long>(
        "recogrid.log.flush.failed", "{flush}", "Group commits that failed (their callers were answered 503).");

    internal static void RecordFlush(int partition, int records, long bytes, TimeSpan duration)
    {
        var tag = new KeyValuePair<string, object?>("log.partition", partition);
        CommitSize.Record(records, tag);
        CommitBytes.Add(bytes, tag);
        FlushDuration.Record(duration.TotalSeconds, tag);
    }

    internal static void RecordFailedFlush(int partition) =>
        FailedFlushes.Add(1, new KeyValuePair<string, object?>("log.partition", partition));
}
