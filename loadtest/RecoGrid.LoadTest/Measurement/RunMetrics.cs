using System.Collections.Concurrent;
using HdrHistogram;
using RecoGrid.LoadTest.Simulation;

namespace RecoGrid.LoadTest.Measurement;

/// <summary>Latency percentiles in milliseconds.</summary>
internal sealed record Percentiles(long Count, double P50, double P90, double P99, double P999, double Max)
{
    public static Percentiles Of(HistogramBase histogram)
    {
        var count = histogram.TotalCount;
        double At(double p) => count == 0 ? 0 : histogram.GetValueAtPercentile(p) / 1000.0;
        return new Percentiles(count, At(50), At(90), At(99), At(99.9), count == 0 ? 0 : histogram.GetMaxValue() / 1000.0);
    }
}

/// <summary>One second of one endpoint: answers, errors by status, latency.</summary>
internal sealed record SecondSample(int Second, double TargetRate, long Sent, long Ok, IReadOnlyDictionary<string, long> Errors, Percentiles Latency);

/// <summary>
/// Per-endpoint latency (HdrHistogram, microseconds, recorded from the moment a request was due to be sent, so a slow
/// server cannot hide queueing: no coordinated omission) and per-second counts by status.
/// </summary>
internal sealed class RunMetrics
{
    // 1 µs to 1 hour at 3 significant digits.
    private const long HighestMicros = 3_600_000_000;

    private readonly Dictionary<Endpoint, Recorder> _recorders = Enum.GetValues<Endpoint>().ToDictionary(e => e, _ => NewRecorder());
    private readonly Dictionary<Endpoint, LongHistogram> _totals = Enum.GetValues<Endpoint>().ToDictionary(e => e, _ => new LongHistogram(1, HighestMicros, 3));
    private readonly Counters[] _current = [.. Enum.GetValues<Endpoint>().Select(_ => new Counters())];
    private readonly Dictionary<Endpoint, List<SecondSample>> _seconds = Enum.GetValues<Endpoint>().ToDictionary(e => e, _ => new List<SecondSample>());
    private readonly Dictionary<Endpoint, ConcurrentDictionary<string, long>> _errorTotals = Enum.GetValues<Endpoint>().ToDictionary(e => e, _ => new ConcurrentDictionary<string, long>());
    private readonly Dictionary<Endpoint, long> _okTotals = Enum.GetValues<Endpoint>().ToDictionary(e => e, _ => 0L);
    private readonly Dictionary<Endpoint, LongHistogram> _window = Enum.GetValues<Endpoint>().ToDictionary(e => e, _ => new LongHistogram(1, HighestMicros, 3));
    private readonly Dictionary<Endpoint, (long Ok, long Errors)> _windowCounts = Enum.GetValues<Endpoint>().ToDictionary(e => e, _ => (0L, 0L));
    private int _second;

    /// <summary>Requests the client could not send in time because --max-in-flight were outstanding (counted as errors "client-saturated").</summary>
    public long ClientSaturated => _errorTotals.Values.Sum(e => e.GetValueOrDefault(ClientSaturatedStatus));

    public const string ClientSaturatedStatus = "client-saturated";

    private static Recorder NewRecorder() =>
        new(1, HighestMicros, 3, (id, lowest, highest, digits) => new LongHistogram(id, lowest, highest, digits));

    public void RecordSent(Endpoint endpoint) => Interlocked.Increment(ref Volatile.Read(ref _current[(int)endpoint]).Sent);

    /// <summary>Records one answer (or failure) with its latency in microseconds; <paramref name="status"/> null means success.</summary>
    public void Record(Endpoint endpoint, long micros, string? status)
    {
        _recorders[endpoint].RecordValue(Math.Clamp(micros, 1, HighestMicros));
        var counters = Volatile.Read(ref _current[(int)endpoint]);
        if (status is null)
        {
            Interlocked.Increment(ref counters.Ok);
        }
        else
        {
            counters.Errors.AddOrUpdate(status, 1, (_, n) => n + 1);
        }
    }

    /// <summary>Closes the current second: its interval histograms are summarised and added to the totals.</summary>
    public IReadOnlyDictionary<Endpoint, SecondSample> CloseSecond(double targetRate)
    {
        var closed = new Dictionary<Endpoint, SecondSample>();
        foreach (var endpoint in Enum.GetValues<Endpoint>())
        {
            var interval = _recorders[endpoint].GetIntervalHistogram();
            _totals[endpoint].Add(interval);
            _window[endpoint].Add(interval);
            var counters = Interlocked.Exchange(ref _current[(int)endpoint], new Counters());
            var errors = counters.Errors.ToDictionary(p => p.Key, p => p.Value);
            foreach (var (status, count) in errors)
            {
                _errorTotals[endpoint].AddOrUpdate(status, count, (_, n) => n + count);
            }

            _okTotals[endpoint] += counters.Ok;
            var window = _windowCounts[endpoint];
            _windowCounts[endpoint] = (window.Ok + counters.Ok, window.Errors + errors.Values.Sum());
            var sample = new SecondSample(_second, targetRate, counters.Sent, counters.Ok, errors, Percentiles.Of(interval));
            _seconds[endpoint].Add(sample);
            closed[endpoint] = sample;
        }

        _second++;
        return closed;
    }

    /// <summary>Starts a new window (one step of --find-max): its latency and counts start from zero.</summary>
    public void ResetWindow()
    {
        foreach (var endpoint in Enum.GetValues<Endpoint>())
        {
            _window[endpoint].Reset();
            _windowCounts[endpoint] = (0, 0);
        }
    }

    /// <summary>Latency and counts of the seconds closed since <see cref="ResetWindow"/>.</summary>
    public (Percentiles Latency, long Ok, long Errors) Window(Endpoint endpoint) =>
        (Percentiles.Of(_window[endpoint]), _windowCounts[endpoint].Ok, _windowCounts[endpoint].Errors);

    /// <summary>Seconds closed so far.</summary>
    public int SecondsClosed => _second;

    public Percentiles Total(Endpoint endpoint) => Percentiles.Of(_totals[endpoint]);

    public long Ok(Endpoint endpoint) => _okTotals[endpoint];

    public IReadOnlyDictionary<string, long> Errors(Endpoint endpoint) => _errorTotals[endpoint];

    public IReadOnlyList<SecondSample> Seconds(Endpoint endpoint) => _seconds[endpoint];

    /// <summary>Counters of the open second; swapped whole when the second closes.</summary>
    internal sealed class Counters
    {
        public long Sent;
        public long Ok;
        public readonly ConcurrentDictionary<string, long> Errors = new();
    }
}
