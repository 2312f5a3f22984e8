using System.Text.Json;

namespace RecoGrid.LoadTest;

/// <summary>The phases of one node started with telemetry on or off.</summary>
internal sealed record TelemetryRun(int Round, bool Telemetry, double StartupSeconds, long Scrapes, IReadOnlyList<PhaseResult> Phases);

/// <summary>Per phase: mean throughput with telemetry on and off over the rounds, and what telemetry cost.</summary>
internal sealed record TelemetryOverhead(string Phase, double OnRequestsPerSecond, double OffRequestsPerSecond, double OverheadPercent, double OnP99Ms, double OffP99Ms);

/// <summary>What --compare-telemetry writes with --json.</summary>
internal sealed record TelemetryReport(DateTimeOffset At, int ProcessorCount, LoadSettings Settings, IReadOnlyList<TelemetryRun> Runs, IReadOnlyList<TelemetryOverhead> Overhead);

/// <summary>
/// The cost of telemetry on the event and recommendation paths: the same phases against a fresh node started with
/// <c>Telemetry:Enabled=true</c> (metrics, request log lines at information level, /metrics scraped every 5 s as
/// Prometheus would, more often than its usual 15 s) and with <c>Telemetry:Enabled=false</c>, alternating the order
/// each round so drift of the machine cancels out.
/// </summary>
internal static class TelemetryComparison
{
    private static readonly TimeSpan ScrapeEvery = TimeSpan.FromSeconds(5);

    public static async Task<TelemetryReport> RunAsync(string recogridDll, string? dataDir, LoadSettings settings, IReadOnlyList<string> phases, int rounds, TimeSpan warmup, IReadOnlyList<string> serverSettings, CancellationToken cancellationToken)
    {
        var runs = new List<TelemetryRun>();
        for (var round = 1; round <= rounds; round++)
        {
            foreach (var telemetry in round % 2 == 1 ? new[] { true, false } : [false, true])
            {
                var environment = new Dictionary<string, string>
                {
                    ["RECOGRID__Telemetry__Enabled"] = telemetry ? "true" : "false",
                    // Request lines are part of what is measured: written to stdout, which the load test drains.
                    ["RECOGRID__Logging__LogLevel__RecoGrid.Requests"] = "Information",
                };
                foreach (var setting in serverSettings)
                {
                    var equals = setting.IndexOf('=', StringComparison.Ordinal);
                    if (equals <= 0)
                    {
                        throw new ArgumentException($"--server-set takes Key=Value, not '{setting}'.");
                    }

                    environment["RECOGRID__" + setting[..equals].Replace(":", "__", StringComparison.Ordinal)] = setting[(equals + 1)..];
                }

                await using var server = await SpawnedServer.StartAsync(recogridDll, dataDir, cancellationToken, environment);
                using var scrapes = new CancellationTokenSource();
                var scraper = telemetry ? ScrapeAsync(server, scrapes.Token) : Task.FromResult(0L);
                // Unmeasured: JIT, connection pools and caches warm up on every fresh node alike.
                if (warmup > TimeSpan.Zero)
                {
                    var warm = new LoadRunner(server.BaseAddress, settings with { Duration = warmup, Seed = settings.Seed + 1000 }, server.ApiKey);
                    foreach (var phase in phases)
                    {
                        await warm.RunAsync(phase, cancellationToken);
                    }
                }

                var runner = new LoadRunner(server.BaseAddress, settings, server.ApiKey);
                var results = new List<PhaseResult>();
                foreach (var phase in phases)
                {
                    var result = await runner.RunAsync(phase, cancellationToken);
                    results.Add(result);
                    Console.WriteLine($"round {round} telemetry {(telemetry ? "on " : "off")}  {result.Describe()}");
                }

                await scrapes.CancelAsync();
                runs.Add(new TelemetryRun(round, telemetry, server.StartupSeconds, await scraper, results));
            }
        }

        var overhead = phases.Select(phase =>
        {
            var on = runs.Where(r => r.Telemetry).SelectMany(r => r.Phases).Where(p => p.Phase == phase).ToList();
            var off = runs.Where(r => !r.Telemetry).SelectMany(r => r.Phases).Where(p => p.Phase == phase).ToList();
            var onRate = on.Average(p => p.RequestsPerSecond);
            var offRate = off.Average(p => p.RequestsPerSecond);
            return new TelemetryOverhead(phase, Math.Round(onRate, 1), Math.Round(offRate, 1), Math.Round(offRate == 0 ? 0 : 100 * (offRate - onRate) / offRate, 2), Math.Round(on.Average(p => p.P99Ms), 3), Math.Round(off.Average(p => p.P99Ms), 3));
        }).ToList();
        foreach (var o in overhead)
        {
            Console.WriteLine($"{o.Phase,-16} telemetry on {o.OnRequestsPerSecond,10:F0} req/s  off {o.OffRequestsPerSecond,10:F0} req/s  overhead {o.OverheadPercent,6:F2} %  p99 on {o.OnP99Ms:F2} ms / off {o.OffP99Ms:F2} ms");
        }

        return new TelemetryReport(DateTimeOffset.UtcNow, Environment.ProcessorCount, settings, runs, overhead);
    }

    public static string ToJson(TelemetryReport report) => JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true });

    // Scrapes /metrics with the node's admin key until cancelled; returns how many scrapes succeeded.
    private static async Task<long> ScrapeAsync(SpawnedServer server, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        if (server.ApiKey is { } key)
        {
            http.DefaultRequestHeaders.Add("X-Api-Key", key);
        }

        long scrapes = 0;
        using var timer = new PeriodicTimer(ScrapeEvery);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                using var response = await http.GetAsync("/metrics", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    scrapes++;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The runs are over.
        }

        return scrapes;
    }
}
