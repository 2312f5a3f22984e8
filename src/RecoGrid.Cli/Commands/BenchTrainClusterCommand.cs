using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using RecoGrid.Cli.Bench;
using RecoGrid.Cli.Offline;
using RecoGrid.Training.Cluster;
using RecoGrid.Training.Models;
using RecoGrid.Training.Synthetic;
using Spectre.Console;

namespace RecoGrid.Cli.Commands;

/// <summary>
/// `recogrid bench train-cluster`: distributed iALS on this machine, the same data on each layout of silos × worker
/// threads (1×2 against 2×1 by default): seconds and bytes moved per iteration, and the per-block costs the scaling
/// estimate in docs/scaling.md is built from.
/// </summary>
internal static class BenchTrainClusterCommand
{
    public static void AddTo(RootCommand root)
    {
        var bench = root.Subcommands.First(c => c.Name == "bench");
        bench.Subcommands.Add(Create());
    }

    public static Command Create()
    {
        var shape = new Option<string>("--shape") { Description = "Shape of the generated data set: ml-20m (136,677 users, 20,108 items, 10.0M interactions).", DefaultValueFactory = _ => "ml-20m" };
        var users = new Option<int?>("--users") { Description = "Override the shape's number of users (e.g. for a quick run)." };
        var items = new Option<int?>("--items") { Description = "Override the shape's number of items." };
        var interactions = new Option<long?>("--interactions") { Description = "Override the shape's number of interactions." };
        var factors = new Option<int>("--factors") { Description = "Latent dimension.", DefaultValueFactory = _ => 64 };
        var iterations = new Option<int>("--iterations") { Description = "Iterations per layout; the median is reported.", DefaultValueFactory = _ => 3 };
        var blocks = new Option<int>("--blocks") { Description = "Blocks per side (Training:Blocks).", DefaultValueFactory = _ => 8 };
        var layouts = new Option<string>("--layouts")
        {
            Description = "Comma-separated silos×threads layouts, e.g. 1x2,2x1: silos in this process, each solving with that many worker threads.",
            DefaultValueFactory = _ => "1x2,2x1",
        };
        var seed = new Option<long>("--seed") { Description = "Seed of the generated data and the initialization.", DefaultValueFactory = _ => 42 };
        var json = new Option<FileInfo?>("--json") { Description = "Write the results as JSON to this file." };
        var command = new Command("train-cluster", "Time distributed iALS on in-process silos: seconds and bytes moved per iteration for each silos×threads layout, and per-block costs.");
        foreach (var option in new Option[] { shape, users, items, interactions, factors, iterations, blocks, layouts, seed, json })
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, cancellationToken) => OfflineConsole.RunAsync(parse, cancellationToken, async (console, ct) =>
        {
            var shapeName = parse.GetValue(shape)!;
            var synthetic = SyntheticOptions.ForShape(shapeName, parse.GetValue(seed))
                ?? throw new OfflineUsageException($"--shape: unknown shape '{shapeName}'; known: ml-20m.");
            synthetic.Users = parse.GetValue(users) ?? synthetic.Users;
            synthetic.Items = parse.GetValue(items) ?? synthetic.Items;
            synthetic.Interactions = parse.GetValue(interactions) ?? synthetic.Interactions;
            synthetic.Clusters = Math.Min(synthetic.Clusters, synthetic.Items);
            var chosen = ParseLayouts(parse.GetValue(layouts)!);
            var dataset = await console.Status().StartAsync(
                $"Generating {synthetic.Users:N0} × {synthetic.Items:N0} with {synthetic.Interactions:N0} interactions…",
                _ => Task.Run(() => SyntheticGenerator.Generate(synthetic, ct), ct));
            var matrix = dataset.UserItems;
            var blockCount = parse.GetValue(blocks);
            var options = new IalsOptions
            {
                Factors = parse.GetValue(factors),
                Iterations = parse.GetValue(iterations),
                Seed = (int)parse.GetValue(seed),
                Threads = Environment.ProcessorCount,
                ComputeLoss = false,
            };
            options.Validate();

            var results = new JsonArray();
            var table = new Table().AddColumns("silos × threads", "median s/iteration", "bytes/iteration", "solve s/block (users)", "solve s/block (items)", "prepare s");
            foreach (var (silos, threads) in chosen)
            {
                await using var cluster = await InProcessTrainingCluster.StartAsync(silos, threads, blockCount, ct);
                var factorizer = new ClusterIalsFactorizer(cluster.Grains, cluster.Store, new ClusterTrainingOptions { Blocks = blockCount, WorkerThreads = threads });
                var timer = Stopwatch.StartNew();
                var fit = await console.Status().StartAsync($"{silos} silo(s) × {threads} thread(s): {options.Iterations} iterations…", _ => factorizer.FitAsync(matrix, options, null, ct));
                var total = timer.Elapsed.TotalSeconds;
                var p = fit.Progress;
                var median = RunMeasurements.Median([.. p.SecondsPerIteration]);
                var bytes = p.BytesPerIteration.Length == 0 ? 0 : (long)RunMeasurements.Median([.. p.BytesPerIteration.Select(b => (double)b)]);

                // Half the solve time of an iteration is spent on each side (measured together); split by each side's share of the work.
                var userWork = matrix.NonZeros + (8.0 * matrix.Rows);
                var itemWork = matrix.NonZeros + (8.0 * matrix.Columns);
                var solvePerIteration = RunMeasurements.Median([.. p.SolveSecondsPerIteration]);
                var userBlock = solvePerIteration * userWork / (userWork + itemWork) / blockCount;
                var itemBlock = solvePerIteration * itemWork / (userWork + itemWork) / blockCount;
                table.AddRow(
                    $"{silos} × {threads}", median.ToString("F3", CultureInfo.InvariantCulture), RunMeasurements.Bytes(bytes),
                    userBlock.ToString("F3", CultureInfo.InvariantCulture), itemBlock.ToString("F3", CultureInfo.InvariantCulture),
                    fit.PrepareSeconds.ToString("F2", CultureInfo.InvariantCulture));
                results.Add(new JsonObject
                {
                    ["silos"] = silos,
                    ["worker_threads"] = threads,
                    ["blocks"] = blockCount,
                    ["seconds_per_iteration"] = RunMeasurements.Array(p.SecondsPerIteration),
                    ["median_seconds_per_iteration"] = median,
                    ["bytes_per_iteration"] = new JsonArray([.. p.BytesPerIteration.Select(b => JsonValue.Create(b))]),
                    ["median_bytes_per_iteration"] = bytes,
                    ["solve_seconds_per_iteration"] = RunMeasurements.Array(p.SolveSecondsPerIteration),
                    ["solve_seconds_per_user_block"] = userBlock,
                    ["solve_seconds_per_item_block"] = itemBlock,
                    ["solves_by_silo"] = new JsonObject([.. p.SolvesBySilo.Select(s => KeyValuePair.Create(s.Key, (JsonNode?)s.Value))]),
                    ["prepare_seconds"] = fit.PrepareSeconds,
                    ["prepare_bytes"] = fit.PrepareBytes,
                    ["collect_seconds"] = fit.CollectSeconds,
                    ["total_seconds"] = total,
                });
            }

            console.Write(table);
            if (parse.GetValue(json) is { } file)
            {
                await RunMeasurements.WriteJsonAsync(file, new JsonObject
                {
                    ["command"] = "bench train-cluster",
                    ["shape"] = shapeName,
                    ["users"] = matrix.Rows,
                    ["items"] = matrix.Columns,
                    ["interactions"] = matrix.NonZeros,
                    ["factors"] = options.Factors,
                    ["iterations"] = options.Iterations,
                    ["processor_count"] = Environment.ProcessorCount,
                    ["os"] = RuntimeInformation.OSDescription,
                    ["runtime"] = RuntimeInformation.FrameworkDescription,
                    ["date"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    ["results"] = results,
                }, ct);
            }

            return 0;
        }));
        return command;
    }

    internal static List<(int Silos, int Threads)> ParseLayouts(string text)
    {
        var layouts = new List<(int, int)>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var pieces = part.Split('x');
            if (pieces.Length != 2 || !int.TryParse(pieces[0], CultureInfo.InvariantCulture, out var silos) || !int.TryParse(pieces[1], CultureInfo.InvariantCulture, out var threads)
                || silos is < 1 or > 16 || threads < 1)
            {
                throw new OfflineUsageException($"--layouts: '{part}' is not SILOSxTHREADS (1 to 16 silos, at least one thread), e.g. 2x1.");
            }

            layouts.Add((silos, threads));
        }

        return layouts.Count > 0 ? layouts : throw new OfflineUsageException("--layouts lists no layout.");
    }
}
