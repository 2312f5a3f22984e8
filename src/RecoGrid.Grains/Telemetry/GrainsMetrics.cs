using System.Diagnostics;
using System.Diagnostics.Metrics;
using RecoGrid.Abstractions;

namespace RecoGrid.Grains.Telemetry;

/// <summary>
/// The grains' meter (<c>RecoGrid.Grains</c>): events ingested by type and outcome, recommendations by source and model
/// version, fold-in latency, active user grains, experiment impressions and conversions. Tags never carry user or item
/// ids: event types are the configured ones, versions and experiment names are few.
/// </summary>
public static class GrainsMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "RecoGrid.Grains";

    /// <summary>Instrument names the node's live statistics read.</summary>
    public const string EventsName = "recogrid.events.ingested";
    public const string RecommendationsName = "recogrid.recommendations";
    public const string ActiveUsersName = "recogrid.users.active";

    /// <summary>Outcomes of an event: durable and visible, a repeat of a recent eventId, refused as invalid, or not made durable (503).</summary>
    public const string Accepted = "accepted";
    public const string Duplicate = "duplicate";
    public const string Rejected = "rejected";
    public const string Failed = "failed";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Events = Meter.CreateCounter<long>(
        EventsName, "{event}", "Interaction events by type and outcome (accepted, duplicate, rejected, failed).");

    private static readonly Counter<long> Recommendations = Meter.CreateCounter<long>(
        RecommendationsName, "{request}", "Recommendation requests answered, by source (model, popularity) and model version.");

    private static readonly Histogram<double> FoldIn = Meter.CreateHistogram(
        "recogrid.foldin.duration", "s", "Time to fold a user's recent interactions into a vector for the active model.",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.05] });

    private static readonly Counter<long> ScoringTimeouts = Meter.CreateCounter<long>(
        "recogrid.scoring.call_timeouts", "{call}", "Scoring calls abandoned after Scoring:CallTimeout (the request fell back to popularity).");

    private static readonly UpDownCounter<long> ActiveUsers = Meter.CreateUpDownCounter<long>(
        ActiveUsersName, "{user}", "User grains active on this silo.");

    private static readonly Counter<long> Impressions = Meter.CreateCounter<long>(
        "recogrid.experiment.impressions", "{impression}", "Recommendations served in an experiment, by experiment and variant.");

    private static readonly Counter<long> Conversions = Meter.CreateCounter<long>(
        "recogrid.experiment.conversions", "{conversion}", "Conversions attributed to an experiment, by experiment and variant.");

    /// <summary>Counts events with one outcome, by type (one measurement per type present).</summary>
    public static void RecordEvents(IEnumerable<LoggedEvent> events, string outcome) =>
        RecordEventTypes(events.Select(e => e.Interaction.Type), outcome);

    /// <summary>Counts events with one outcome by their (already bounded) type names.</summary>
    public static void RecordEventTypes(IEnumerable<string> types, string outcome)
    {
        if (!Events.Enabled)
        {
            return;
        }

        // Batches hold few distinct types; a short list beats a dictionary here.
        var counts = new List<(string Type, long Count)>(4);
        foreach (var type in types)
        {
            var index = counts.FindIndex(c => c.Type == type);
            if (index < 0)
            {
                counts.Add((type, 1));
            }
            else
            {
                counts[index] = (type, counts[index].Count + 1);
            }
        }

        foreach (var (type, count) in counts)
        {
            Events.Add(count, new KeyValuePair<string, object?>("event.type", type), new KeyValuePair<string, object?>("outcome", outcome));
        }
    }

    internal static void RecordRecommendation(RecommendationResult result) =>
        Recommendations.Add(1, new KeyValuePair<string, object?>("source", result.Source), new KeyValuePair<string, object?>("model.version", result.ModelVersion ?? "none"));

    internal static long FoldInStarted() => FoldIn.Enabled ? Stopwatch.GetTimestamp() : 0;

    internal static void FoldInEnded(long started)
    {
        if (started != 0)
        {
            FoldIn.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
    }

    internal static void UserActivated() => ActiveUsers.Add(1);

    internal static void UserDeactivated() => ActiveUsers.Add(-1);

    /// <summary>Counts a recommendation served under <paramref name="variant"/> of <paramref name="experiment"/>.</summary>
    public static void RecordImpression(string experiment, string variant) =>
        Impressions.Add(1, new KeyValuePair<string, object?>("experiment", experiment), new KeyValuePair<string, object?>("variant", variant));

    /// <summary>Counts a conversion attributed to <paramref name="variant"/> of <paramref name="experiment"/>.</summary>
    public static void RecordConversion(string experiment, string variant) =>
        Conversions.Add(1, new KeyValuePair<string, object?>("experiment", experiment), new KeyValuePair<string, object?>("variant", variant));

    /// <summary>Counts a scoring call abandoned after <c>Scoring:CallTimeout</c>.</summary>
    public static void ScoringCallTimedOut() => ScoringTimeouts.Add(1);
}
