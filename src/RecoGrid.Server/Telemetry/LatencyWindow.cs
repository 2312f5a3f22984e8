namespace RecoGrid.Server.Telemetry;

/// <summary>
/// Request latencies in logarithmic buckets (5 % wide, 1 µs to minutes), recorded lock-free; each
/// <see cref="TakeP99Milliseconds"/> answers the 99th percentile of what was recorded since the previous call.
/// </summary>
internal sealed class LatencyWindow
{
    private const double Growth = 1.05;
    private const int Buckets = 400;
    private static readonly double Scale = 1 / Math.Log(Growth);
    private readonly long[] _counts = new long[Buckets];
    private readonly long[] _taken = new long[Buckets];

    public void Record(double seconds)
    {
        var micros = seconds * 1e6;
        var bucket = micros <= 1 ? 0 : Math.Min(Buckets - 1, (int)(Math.Log(micros) * Scale) + 1);
        Interlocked.Increment(ref _counts[bucket]);
    }

    /// <summary>The 99th percentile (bucket upper bound, ms) of the latencies recorded since the last call; null when none were.</summary>
    public double? TakeP99Milliseconds()
    {
        var window = new long[Buckets];
        long total = 0;
        lock (_taken)
        {
            for (var i = 0; i < Buckets; i++)
            {
                var now = Volatile.Read(ref _counts[i]);
                window[i] = now - _taken[i];
                _taken[i] = now;
                total += window[i];
            }
        }

        if (total == 0)
        {
            return null;
        }

        var rank = (long)Math.Ceiling(total * 0.99);
        long seen = 0;
        for (var i = 0; i < Buckets; i++)
        {
            seen += window[i];
            if (seen >= rank)
            {
                return Math.Round(i == 0 ? 0.001 : Math.Pow(Growth, i) / 1000.0, 3);
            }
        }

        return null;
    }
}
