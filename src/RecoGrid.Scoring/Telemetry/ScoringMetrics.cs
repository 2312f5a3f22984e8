using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using RecoGrid.Scoring.Batching;

namespace RecoGrid.Scoring.Telemetry;

/// <summary>
/// The scoring meter (<c>RecoGrid.Scoring</c>): batch size and duration, time requests wait in the queue, the queue's
/// depth and refusals, per model version. No listener, no cost beyond a flag check.
/// </summary>
public static class ScoringMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "RecoGrid.Scoring";

    /// <summary>The batch size histogram's name (the console's live chart reads it).</summary>
    public const string BatchSizeName = "recogrid.scoring.batch.size";

    private static readonly Meter Meter = new(MeterName);
    private static readonly ConcurrentDictionary<ScoringBatcher, string> Batchers = new();

    private static readonly Histogram<int> BatchSize = Meter.CreateHistogram(
        BatchSizeName, "{request}", "Requests scored together in one batch.",
        advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024] });

    private static readonly Histogram<double> BatchDuration = Meter.CreateHistogram(
        "recogrid.scoring.batch.duration", "s", "Time one batch took to score (matrix product, mask and top-K).",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] });

    private static readonly Histogram<double> QueueWait = Meter.CreateHistogram(
        "recogrid.scoring.queue.wait", "s", "Time a request waited in the batcher's queue before its batch started.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1] });

    private static readonly Counter<long> Refused = Meter.CreateCounter<long>(
        "recogrid.scoring.refused", "{request}", "Requests refused because the batcher's queue was full (answered 503).");

    static ScoringMetrics()
    {
        Meter.CreateObservableGauge("recogrid.scoring.queue.depth", ObserveQueues, "{request}", "Requests waiting for a batch, per loaded model version.");
    }

    internal static void Track(ScoringBatcher batcher, string modelVersion) => Batchers[batcher] = modelVersion;

    internal static void Untrack(ScoringBatcher batcher) => Batchers.TryRemove(batcher, out _);

    internal static bool WaitEnabled => QueueWait.Enabled;

    internal static void RecordBatch(string modelVersion, int size, TimeSpan duration)
    {
        var tag = new KeyValuePair<string, object?>("model.version", modelVersion);
        BatchSize.Record(size, tag);
        BatchDuration.Record(duration.TotalSeconds, tag);
    }

    internal static void RecordWait(string modelVersion, TimeSpan wait) =>
        QueueWait.Record(wait.TotalSeconds, new KeyValuePair<string, object?>("model.version", modelVersion));

    internal static void RecordRefused(string modelVersion) =>
        Refused.Add(1, new KeyValuePair<string, object?>("model.version", modelVersion));

    private static IEnumerable<Measurement<int>> ObserveQueues()
    {
        foreach (var (batcher, version) in Batchers)
        {
            yield return new Measurement<int>(batcher.QueueLength, new KeyValuePair<string, object?>("model.version", version));
        }
    }
}
