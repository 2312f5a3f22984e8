using System.CommandLine;
using RecoGrid.LoadTest.Measurement;
using RecoGrid.LoadTest.Simulation;

namespace RecoGrid.LoadTest;

/// <summary>The simulated-population run: optional --prepare, an optional node of its own, the run, the report files.</summary>
internal static class SimulationCommand
{
    public static async Task<int> RunAsync(
        ParseResult parse, SimulationOptions options, LoadSettings settings, Uri target, TimeSpan duration, string? serverDll, string? serverDataDir,
        string? apiKey, string userPrefix, string itemPrefix, string? jsonPath, TimeSpan warmUp, CancellationToken cancellationToken)
    {
        var prepare = parse.GetValue(options.PrepareModel) || parse.GetValue(options.PreparePlanted);
        var dataDir = serverDataDir;
        var ownsDataDir = false;
        if (prepare)
        {
            var dll = parse.GetValue(options.Recogrid) ?? serverDll;
            if (dll is null || (serverDll is null && dataDir is null))
            {
                await Console.Error.WriteLineAsync("--prepare writes the model into the node's data folder: give --start-server PATH/recogrid.dll, or --recogrid PATH/recogrid.dll with --server-data-dir of the running node.");
                return 2;
            }

            if (dataDir is null)
            {
                dataDir = Path.Combine(Path.GetTempPath(), "recogrid-load-" + Guid.NewGuid().ToString("N"));
                ownsDataDir = true;
            }

            var interactions = parse.GetValue(options.PrepareInteractions) ?? (long)settings.Users * 20;
            (userPrefix, itemPrefix) = await Prepare.RunAsync(dll, dataDir, settings.Users, settings.Items, interactions, parse.GetValue(options.PreparePlanted), settings.Seed, Console.Out, cancellationToken);
        }

        SimulationPlan plan;
        try
        {
            var population = new PopulationSettings(
                settings.Users, settings.Items, parse.GetValue(options.UserSkew), parse.GetValue(options.ItemSkew), Math.Max(0, parse.GetValue(options.NewUsersPerSecond)),
                Math.Max(1, parse.GetValue(options.SessionLength)), Math.Max(1, settings.BatchSize), RequestMix.Parse(parse.GetValue(options.Mix)!),
                userPrefix, itemPrefix, settings.Seed);
            plan = options.Plan(parse, population, settings.Concurrency, duration, warmUp);
        }
        catch (FormatException exception)
        {
            await Console.Error.WriteLineAsync(exception.Message);
            return 2;
        }

        if (plan.Steps is null && plan.FindMax is null && !parse.GetValue(options.ClosedLoop))
        {
            await Console.Error.WriteLineAsync("--prepare prepared the model; give --rate, --rate-steps, --find-max or --closed-loop to run load as well.");
            return 0;
        }

        SpawnedServer? server = null;
        try
        {
            if (serverDll is not null)
            {
                server = await SpawnedServer.StartAsync(serverDll, dataDir, cancellationToken);
            }

            var key = server?.ApiKey ?? apiKey ?? Environment.GetEnvironmentVariable("RECOGRID_API_KEY");
            var report = await Simulation.Simulation.RunAsync(server?.BaseAddress ?? target, key, plan, server?.StartupSeconds, Console.Out, cancellationToken);
            var folder = Path.GetFullPath(parse.GetValue(options.Out)!);
            Directory.CreateDirectory(folder);
            await File.WriteAllTextAsync(Path.Combine(folder, "report.json"), report.ToJson(), cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(folder, "report.md"), report.ToMarkdown(), cancellationToken);
            Charts.Write(report, folder);
            if (jsonPath is { } json)
            {
                await File.WriteAllTextAsync(json, report.ToJson(), cancellationToken);
            }

            foreach (var endpoint in report.Endpoints)
            {
                Console.WriteLine($"{endpoint.Endpoint,-16} ok {endpoint.Ok,9:N0} ({endpoint.OkPerSecond:F0}/s)  p50 {endpoint.Latency.P50:F2}  p90 {endpoint.Latency.P90:F2}  p99 {endpoint.Latency.P99:F2}  p99.9 {endpoint.Latency.P999:F2}  max {endpoint.Latency.Max:F2} ms  errors {endpoint.Errors.Values.Sum()}");
            }

            if (report.FindMax is { } found)
            {
                Console.WriteLine(found.MaxRate is { } max
                    ? $"highest rate at p99 <= {found.SloP99Ms} ms: {max:F0} requests/s. {found.Bound}"
                    : $"no rate tried held p99 <= {found.SloP99Ms} ms. {found.Bound}");
            }

            if (report.Memory is { StartWorkingSetBytes: not null } memory)
            {
                Console.WriteLine($"node memory: working set {memory.StartWorkingSetBytes / 1048576.0:F0} MB at the start, peak {memory.PeakWorkingSetBytes / 1048576.0:F0} MB, end {memory.EndWorkingSetBytes / 1048576.0:F0} MB; " +
                    $"{memory.DistinctUsers:N0} distinct users, at most {memory.PeakUserActivations:N0} active user grains" +
                    (memory.WorkingSetBytesPerActiveUser is { } per ? $", {per / 1024:F2} KB working set and {memory.ManagedHeapBytesPerActiveUser / 1024:F2} KB managed heap per added active user" : ""));
            }
            else if (report.Memory is { } missing)
            {
                Console.WriteLine($"node memory not observed: {missing.Problem}");
            }

            Console.WriteLine($"report: {Path.Combine(folder, "report.md")}");
            return 0;
        }
        finally
        {
            if (server is not null)
            {
                await server.DisposeAsync();
            }

            if (ownsDataDir && dataDir is not null)
            {
                try
                {
                    Directory.Delete(dataDir, recursive: true);
                }
                catch (IOException)
                {
                    // A temporary folder.
                }
            }
        }
    }
}
