using System.Diagnostics;
using HdrHistogram;

namespace RecoGrid.Cli.Bench;

/// <summary>Counts completions and records latencies (µs, HdrHistogram) only inside measurement windows; windows add up.</summary>
internal sealed class LatencyRecorder
{
    private readonly LongConcurrentHistogram _histogram = new(1, 600_000_000, 3);
    private long _requests;
    private long _windowStart;
    private TimeSpan _measured;
    private volatile bool _measuring;

    public void Record(long startTimestamp, int requests = 1)
    {
        if (!_measuring)
        {
            return;
        }

        var micros = (long)Math.Max(1, Stopwatch.GetElapsedTime(startTimestamp).TotalMicroseconds);
        _histogram.RecordValue(micros);
        Interlocked.Add(ref _requests, requests);
    }

    public void Start()
    {
        _windowStart = Stopwatch.GetTimestamp();
        _measuring = true;
    }

    public void Stop()
    {
        _measuring = false;
        _measured += Stopwatch.GetElapsedTime(_windowStart);
    }

    public LoadMeasurement Result(int callers, double meanBatchSize)
    {
        var seconds = _measured.TotalSeconds;
        var requests = Interlocked.Read(ref _requests);
        return new LoadMeasurement(
            callers,
            requests,
            Math.Round(seconds, 3),
            Math.Round(requests / seconds, 1),
            Math.Round(_histogram.GetValueAtPercentile(50) / 1000.0, 3),
            Math.Round(_histogram.GetValueAtPercentile(99) / 1000.0, 3),
            Math.Round(meanBatchSize, 2));
    }
}
