using System.CommandLine;
using System.Text.Json;

namespace RecoGrid.LoadTest;

/// <summary>`RecoGrid.LoadTest`: drives a running RecoGrid (or one it starts) with simulated users over HTTP.</summary>
internal static class LoadTestCommand
{
    public static RootCommand Build()
    {
        var url = new Option<string>("--url") { Description = "Base address of a running RecoGrid API.", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
        var startServer = new Option<string?>("--start-server") { Description = "Path to recogrid.dll: start `recogrid serve` on loopback ports and measure its start-up time." };
        var serverDataDir = new Option<string?>("--server-data-dir") { Description = "With --start-server: the data folder to serve (e.g. one with a promoted model); a fresh temporary one by default." };
        var users = new Option<int>("--users") { Description = "Number of simulated users (ids user-0 .. user-N-1, drawn with a Zipf skew).", DefaultValueFactory = _ => 1_000_000 };
        var items = new Option<int>("--items") { Description = "Number of items events refer to.", DefaultValueFactory = _ => 20_000 };
        var duration = new Option<double>("--duration") { Description = "Seconds per phase; with --rate or --closed-loop, seconds of the run (with --rate-steps, a bound on the steps).", DefaultValueFactory = _ => 10 };
        var concurrency = new Option<int>("--concurrency") { Description = "Concurrent HTTP callers (closed loop).", DefaultValueFactory = _ => 32 };
        var batch = new Option<int>("--batch") { Description = "Events per POST /v1/events.", DefaultValueFactory = _ => 10 };
        var phases = new Option<string>("--phases") { Description = "Comma-separated phases to run: events, recommendations, mixed.", DefaultValueFactory = _ => "events,recommendations" };
        var userPrefix = new Option<string>("--user-prefix") { Description = "Prefix of simulated user ids (\"\" to hit the ids of a file from `recogrid generate`).", DefaultValueFactory = _ => "user-" };
        var itemPrefix = new Option<string>("--item-prefix") { Description = "Prefix of item ids in events.", DefaultValueFactory = _ => "item-" };
        var seed = new Option<int>("--seed") { Description = "Random seed.", DefaultValueFactory = _ => 7 };
        var json = new Option<string?>("--json") { Description = "Write the results as JSON to this file." };
        var compareTelemetry = new Option<bool>("--compare-telemetry") { Description = "With --start-server: run the phases against nodes with Telemetry:Enabled=true and =false (fresh node each, order alternating per round) and print the throughput cost of telemetry." };
        var rounds = new Option<int>("--rounds") { Description = "With --compare-telemetry: rounds of (on, off) runs to average.", DefaultValueFactory = _ => 2 };
        var warmup = new Option<double>("--warmup") { Description = "With --compare-telemetry: unmeasured seconds per phase on each fresh node before the measured ones; with --find-max: unmeasured seconds at the first rate before the search.", DefaultValueFactory = _ => 10 };
        var serverSet = new Option<string[]>("--server-set") { Description = "With --compare-telemetry: a setting Key=Value for both nodes (repeatable), e.g. Logging:LogLevel:RecoGrid.Requests=Warning to leave request lines out.", AllowMultipleArgumentsPerToken = false };
        var simulation = new Simulation.SimulationOptions();
        var apiKey = new Option<string?>("--api-key") { Description = "API key with events:write and recommendations:read (default: $RECOGRID_API_KEY; with --start-server, the node's local admin key)." };

        var root = new RootCommand("RecoGrid load test: simulated users sending events and asking for recommendations over HTTP, loopback only.")
        {
            url, startServer, serverDataDir, users, items, duration, concurrency, batch, phases, userPrefix, itemPrefix, seed, json, apiKey, compareTelemetry, rounds, warmup, serverSet,
        };
        foreach (var option in simulation.All)
        {
            root.Options.Add(option);
        }

        root.Subcommands.Add(DurabilityCommand.Create());
        root.Subcommands.Add(Chaos.ChaosCommand.Create());
        root.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new LoadSettings(
                parse.GetValue(users), parse.GetValue(items), TimeSpan.FromSeconds(parse.GetValue(duration)),
                parse.GetValue(concurrency), parse.GetValue(batch), parse.GetValue(seed), parse.GetValue(userPrefix)!, parse.GetValue(itemPrefix)!);
            var target = new Uri(parse.GetValue(url)!);
            if (!target.IsLoopback)
            {
                await Console.Error.WriteLineAsync("The load test only targets loopback addresses (127.0.0.0/8, localhost, [::1]).");
                return 2;
            }

            if (simulation.Requested(parse) || parse.GetValue(simulation.PrepareModel) || parse.GetValue(simulation.PreparePlanted))
            {
                // Stepped rates run their steps unless --duration is given to cut them short.
                var bound = parse.GetResult(duration) is { Implicit: false } || parse.GetValue(simulation.RateSteps) is null
                    ? settings.Duration
                    : TimeSpan.FromDays(1);
                return await SimulationCommand.RunAsync(parse, simulation, settings, target, bound, parse.GetValue(startServer), parse.GetValue(serverDataDir), parse.GetValue(apiKey), parse.GetValue(userPrefix)!, parse.GetValue(itemPrefix)!, parse.GetValue(json), TimeSpan.FromSeconds(Math.Max(0, parse.GetValue(warmup))), cancellationToken);
            }

            if (parse.GetValue(compareTelemetry))
            {
                if (parse.GetValue(startServer) is not { } serverDll)
                {
                    await Console.Error.WriteLineAsync("--compare-telemetry starts its own nodes: give --start-server PATH/recogrid.dll.");
                    return 2;
                }

                var phaseNames = parse.GetValue(phases)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                var comparison = await TelemetryComparison.RunAsync(serverDll, parse.GetValue(serverDataDir), settings, phaseNames, Math.Max(1, parse.GetValue(rounds)), TimeSpan.FromSeconds(parse.GetValue(warmup)), parse.GetValue(serverSet) ?? [], cancellationToken);
                if (parse.GetValue(json) is { } comparisonPath)
                {
                    await File.WriteAllTextAsync(comparisonPath, TelemetryComparison.ToJson(comparison), cancellationToken);
                }

                return 0;
            }

            await using var server = parse.GetValue(startServer) is { } dll ? await SpawnedServer.StartAsync(dll, parse.GetValue(serverDataDir), cancellationToken) : null;
            var baseAddress = server?.BaseAddress ?? target;
            var results = new List<PhaseResult>();
            var runner = new LoadRunner(baseAddress, settings, server?.ApiKey ?? parse.GetValue(apiKey) ?? Environment.GetEnvironmentVariable("RECOGRID_API_KEY"));
            foreach (var phase in parse.GetValue(phases)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var result = await runner.RunAsync(phase, cancellationToken);
                results.Add(result);
                Console.WriteLine(result.Describe());
            }

            var report = new LoadReport(DateTimeOffset.UtcNow, Environment.ProcessorCount, server?.StartupSeconds, settings, results);
            if (server is not null)
            {
                Console.WriteLine($"start-up: {server.StartupSeconds:F2} s to /readyz");
            }

            if (parse.GetValue(json) is { } path)
            {
                await File.WriteAllTextAsync(path, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
            }

            return 0;
        });
        return root;
    }
}
