using System.Diagnostics.Metrics;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Telemetry;
using RecoGrid.Scoring.Telemetry;

namespace RecoGrid.Server.Telemetry;

/// <summary>
/// This node's live numbers for the console (<c>/v1/admin/stats</c>): listens to RecoGrid's own instruments and to
/// ASP.NET Core's request duration in-process, and turns them into rates and a p99 per report window.
/// </summary>
public sealed class NodeStatistics : IDisposable
{
    /// <summary>The route templates whose latency the console charts.</summary>
    public const string EventsRoute = "/v1/events";
    public const string RecommendationsRoute = "/v1/users/{userId}/recommendations";

    private const string HostingMeter = "Microsoft.AspNetCore.Hosting";
    private const string RequestDuration = "http.server.request.duration";

    private readonly MeterListener _listener;
    private readonly IMeterFactory _meters;
    private readonly TimeProvider _time;
    private readonly LatencyWindow _eventsLatency = new();
    private readonly LatencyWindow _recommendationsLatency = new();
    private readonly Lock _windowGate = new();
    private long _events;
    private long _recommendations;
    private long _activeUsers;
    private long _batches;
    private long _batchRequests;
    private (long Events, long Recommendations, long Batches, long BatchRequests, long At) _previous;

    public NodeStatistics(IMeterFactory meters, TimeProvider time)
    {
        _meters = meters;
        _time = time;
        _previous = (0, 0, 0, 0, time.GetTimestamp());
        _listener = new MeterListener { InstrumentPublished = Publish };
        _listener.SetMeasurementEventCallback<long>(OnLong);
        _listener.SetMeasurementEventCallback<int>(OnInt);
        _listener.SetMeasurementEventCallback<double>(OnDouble);
        _listener.Start();
    }

    private enum Source
    {
        Events,
        Recommendations,
        ActiveUsers,
        BatchSize,
        Duration,
    }

    /// <summary>The numbers since the previous call (the first call covers the time since start).</summary>
    public NodeStats TakeWindow()
    {
        lock (_windowGate)
        {
            var now = _time.GetTimestamp();
            var current = (Events: Interlocked.Read(ref _events), Recommendations: Interlocked.Read(ref _recommendations), Batches: Interlocked.Read(ref _batches), BatchRequests: Interlocked.Read(ref _batchRequests));
            var seconds = Math.Max(0.001, _time.GetElapsedTime(_previous.At, now).TotalSeconds);
            var batches = current.Batches - _previous.Batches;
            var stats = new NodeStats(
                Math.Round((current.Events - _previous.Events) / seconds, 2),
                Math.Round((current.Recommendations - _previous.Recommendations) / seconds, 2),
                _eventsLatency.TakeP99Milliseconds(),
                _recommendationsLatency.TakeP99Milliseconds(),
                Math.Round(batches / seconds, 2),
                batches == 0 ? null : Math.Round((double)(current.BatchRequests - _previous.BatchRequests) / batches, 2),
                Interlocked.Read(ref _activeUsers),
                current.Events,
                current.Recommendations);
            _previous = (current.Events, current.Recommendations, current.Batches, current.BatchRequests, now);
            return stats;
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Publish(Instrument instrument, MeterListener listener)
    {
        Source? source = (instrument.Meter.Name, instrument.Name) switch
        {
            (GrainsMetrics.MeterName, GrainsMetrics.EventsName) => Source.Events,
            (GrainsMetrics.MeterName, GrainsMetrics.RecommendationsName) => Source.Recommendations,
            (GrainsMetrics.MeterName, GrainsMetrics.ActiveUsersName) => Source.ActiveUsers,
            (ScoringMetrics.MeterName, ScoringMetrics.BatchSizeName) => Source.BatchSize,
            // ASP.NET Core's meter comes from this host's factory; another host in the same process has its own.
            (HostingMeter, RequestDuration) when ReferenceEquals(instrument.Meter.Scope, _meters) => Source.Duration,
            _ => null,
        };
        if (source is { } s)
        {
            listener.EnableMeasurementEvents(instrument, s);
        }
    }

    private void OnLong(Instrument instrument, long value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        switch ((Source)state!)
        {
            case Source.Events when Tag(tags, "outcome") is GrainsMetrics.Accepted:
                Interlocked.Add(ref _events, value);
                break;
            case Source.Recommendations:
                Interlocked.Add(ref _recommendations, value);
                break;
            case Source.ActiveUsers:
                Interlocked.Add(ref _activeUsers, value);
                break;
        }
    }

    private void OnInt(Instrument instrument, int value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        if ((Source)state! == Source.BatchSize)
        {
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _batchRequests, value);
        }
    }

    private void OnDouble(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
    {
        switch (Tag(tags, "http.route"))
        {
            case EventsRoute:
                _eventsLatency.Record(value);
                break;
            case RecommendationsRoute:
                _recommendationsLatency.Record(value);
                break;
        }
    }

    private static object? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string key)
    {
        foreach (var tag in tags)
        {
            if (tag.Key == key)
            {
                return tag.Value;
            }
        }

        return null;
    }
}
