using System.Diagnostics;
using HdrHistogram;

namespace RecoGrid.Cli.Bench;

/// <summary>
/// Counts requests and records their latencies (µs, HdrHistogram) when they started inside a measurement window;
/// windows add up. Attributing by start time keeps a request whose completion is reported late in the window.
/// </summary>
internal sealed class LatencyRecorder
{
    private readonly LongConcurrentHistogram _histogram = new(1, 600_000_000, 3);
    private readonly List<(long Start, long End)> _closedWindows = [];
    private long _requests;
    private long _openSince = -1;
    private TimeSpan _measured;

    public void Record(long startTimestamp, int requests = 1)
    {
        if (!InWindow(startTimestamp))
        {
            return;
        }

        var micros = (long)Math.Max(1, Stopwatch.GetElapsedTime(startTimestamp).TotalMicroseconds);
        _histogram.RecordValue(micros);
        Interlocked.Add(ref _requests, requests);
    }

    public void Start() => Volatile.Write(ref _openSince, Stopwatch.GetTimestamp());

    public void Stop()
    {
        var start = Volatile.Read(ref _openSince);
        var end = Stopwatch.GetTimestamp();
        lock (_closedWindows)
        {
            _closedWindows.Add((start, end));
        }

        Volatile.Write(ref _openSince, -1);
        _measured += Stopwatch.GetElapsedTime(start, end);
    }

    private bool InWindow(long startTimestamp)
    {
        var open = Volatile.Read(ref _openSince);
        if (open >= 0 && startTimestamp >= open)
        {
            return true;
        }

        lock (_closedWindows)
        {
            foreach (var (start, end) in _closedWindows)
            {
                if (startTimestamp >= start && startTimestamp < end)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Summary of every window so far; call it once the callers have finished so late completions are in.</summary>
    public LoadMeasurement Result(int callers, double meanBatchSize)
    {
        var seconds = _measured.TotalSeconds;
        var requests = Interlocked.Read(ref _requests);
        var empty = _histogram.TotalCount == 0;
        return new LoadMeasurement(
            callers,
            requests,
            Math.Round(seconds, 3),
            Math.Round(requests / seconds, 1),
            empty ? double.NaN : Math.Round(_histogram.GetValueAtPercentile(50) / 1000.0, 3),
            empty ? double.NaN : Math.Round(_histogram.GetValueAtPercentile(99) / 1000.0, 3),
            Math.Round(meanBatchSize, 2));
    }
}
