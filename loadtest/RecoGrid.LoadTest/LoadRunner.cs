using System.Diagnostics;
using System.Net.Http.Json;
using HdrHistogram;

namespace RecoGrid.LoadTest;

/// <summary>What one run simulates.</summary>
internal sealed record LoadSettings(int Users, int Items, TimeSpan Duration, int Concurrency, int BatchSize, int Seed, string UserPrefix, string ItemPrefix);

/// <summary>Throughput and latency of one phase.</summary>
internal sealed record PhaseResult(string Phase, long Requests, long Errors, double Seconds, double RequestsPerSecond, double EventsPerSecond, double P50Ms, double P90Ms, double P99Ms, double MaxMs)
{
    public string Describe() =>
        $"{Phase,-16} {RequestsPerSecond,10:F0} req/s {EventsPerSecond,10:F0} events/s  p50 {P50Ms,7:F2} ms  p90 {P90Ms,7:F2} ms  p99 {P99Ms,7:F2} ms  max {MaxMs,8:F2} ms  errors {Errors}";
}

/// <summary>The whole report, as --json writes it.</summary>
internal sealed record LoadReport(DateTimeOffset At, int ProcessorCount, double? StartupSeconds, LoadSettings Settings, IReadOnlyList<PhaseResult> Phases);

/// <summary>Closed-loop callers: each sends a request, waits for the answer, and sends the next.</summary>
internal sealed class LoadRunner(Uri baseAddress, LoadSettings settings, string? apiKey)
{
    private static readonly string[] Types = ["view", "view", "view", "click", "click", "add-to-cart", "purchase"];

    private readonly HttpClient _http = WithKey(new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1024, PooledConnectionLifetime = TimeSpan.FromMinutes(5) })
    {
        BaseAddress = baseAddress,
        Timeout = TimeSpan.FromSeconds(30),
    }, apiKey);

    private static HttpClient WithKey(HttpClient http, string? key)
    {
        if (!string.IsNullOrEmpty(key))
        {
            http.DefaultRequestHeaders.Add("X-Api-Key", key);
        }

        return http;
    }

    public async Task<PhaseResult> RunAsync(string phase, CancellationToken cancellationToken)
    {
        if (phase is not ("events" or "recommendations" or "mixed"))
        {
            throw new ArgumentException($"unknown phase '{phase}'; use events, recommendations or mixed");
        }

        var histogram = new LongConcurrentHistogram(1, TimeStamp.Hours(1), 3);
        long requests = 0, errors = 0, events = 0;
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, settings.Concurrency).Select(async worker =>
        {
            var random = new Random(HashCode.Combine(settings.Seed, worker, phase));
            var users = new ZipfSampler(settings.Users, 0.8, random);
            var items = new ZipfSampler(settings.Items, 1.0, random);
            while (clock.Elapsed < settings.Duration && !cancellationToken.IsCancellationRequested)
            {
                var sendEvents = phase == "events" || (phase == "mixed" && random.NextDouble() < 0.5);
                var started = Stopwatch.GetTimestamp();
                bool ok;
                try
                {
                    if (sendEvents)
                    {
                        var batch = Enumerable.Range(0, settings.BatchSize).Select(_ => new
                        {
                            userId = settings.UserPrefix + users.Next(),
                            itemId = settings.ItemPrefix + items.Next(),
                            type = Types[random.Next(Types.Length)],
                        }).ToArray();
                        using var response = await _http.PostAsJsonAsync("/v1/events", new { events = batch }, cancellationToken);
                        ok = response.IsSuccessStatusCode;
                        if (ok)
                        {
                            Interlocked.Add(ref events, batch.Length);
                        }
                    }
                    else
                    {
                        using var response = await _http.GetAsync($"/v1/users/{settings.UserPrefix}{users.Next()}/recommendations?count=10", cancellationToken);
                        ok = response.IsSuccessStatusCode;
                        await response.Content.ReadAsByteArrayAsync(cancellationToken);
                    }
                }
                catch (HttpRequestException)
                {
                    ok = false;
                }

                histogram.RecordValue(Stopwatch.GetTimestamp() - started);
                Interlocked.Increment(ref requests);
                if (!ok)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        });
        await Task.WhenAll(workers);
        var seconds = clock.Elapsed.TotalSeconds;
        double Ms(double percentile) => histogram.GetValueAtPercentile(percentile) * 1000.0 / Stopwatch.Frequency;
        return new PhaseResult(phase, requests, errors, seconds, requests / seconds, events / seconds, Ms(50), Ms(90), Ms(99), histogram.GetMaxValue() * 1000.0 / Stopwatch.Frequency);
    }
}

/// <summary>Draws ranks 0..n-1 with probability proportional to 1/(rank+1)^s (approximate inverse CDF).</summary>
internal sealed class ZipfSampler(int n, double s, Random random)
{
    public int Next()
    {
        // Inverse of the continuous approximation of the Zipf CDF; exact enough for load shaping.
        var u = random.NextDouble();
        double rank;
        if (Math.Abs(s - 1) < 1e-9)
        {
            rank = Math.Exp(u * Math.Log(n + 1)) - 1;
        }
        else
        {
            var max = (Math.Pow(n + 1, 1 - s) - 1) / (1 - s);
            rank = Math.Pow(u * max * (1 - s) + 1, 1 / (1 - s)) - 1;
        }

        return Math.Clamp((int)rank, 0, n - 1);
    }
}
