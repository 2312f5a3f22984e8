using System.Diagnostics.Metrics;

namespace RecoGrid.Training.Telemetry;

/// <summary>
/// The training meter (<c>RecoGrid.Training</c>): retraining runs by outcome and how long they took. The job that runs
/// retraining calls <see cref="RecordRun"/> once per run; nothing here knows how runs are scheduled.
/// </summary>
public static class TrainingMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "RecoGrid.Training";

    /// <summary>Outcome of a run that produced a model version.</summary>
    public const string Succeeded = "succeeded";

    /// <summary>Outcome of a run that failed.</summary>
    public const string Failed = "failed";

    /// <summary>Outcome of a run whose model was kept out of service (e.g. it evaluated worse than the active one).</summary>
    public const string Rejected = "rejected";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Runs = Meter.CreateCounter<long>(
        "recogrid.training.runs", "{run}", "Retraining runs, by outcome (succeeded, failed, rejected).");

    private static readonly Histogram<double> Duration = Meter.CreateHistogram(
        "recogrid.training.duration", "s", "Wall-clock time of one retraining run, by outcome.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200] });

    /// <summary>Records one finished retraining run.</summary>
    public static void RecordRun(string outcome, TimeSpan duration)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome);
        Runs.Add(1, tag);
        Duration.Record(duration.TotalSeconds, tag);
    }
}
