using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using RecoGrid.Cli.Offline;
using RecoGrid.Training.Models;
using RecoGrid.Training.Synthetic;
using Spectre.Console;

namespace RecoGrid.Cli.Commands;

/// <summary>`recogrid bench train`: iALS training speed on a generated data set of a known shape.</summary>
internal static class BenchTrainCommand
{
    /// <summary>Adds `train` under the `bench` command, creating `bench` if no other benchmark has yet.</summary>
    public static void AddTo(RootCommand root)
    {
        var bench = root.Subcommands.FirstOrDefault(c => c.Name == "bench");
        if (bench is null)
        {
            bench = new Command("bench", "Benchmarks that print machine-readable results.");
            root.Subcommands.Add(bench);
        }

        bench.Subcommands.Add(Create());
    }

    public static Command Create()
    {
        var shape = new Option<string>("--shape")
        {
            Description = "Shape of the generated data set: ml-20m (136,677 users, 20,108 items, 10.0M interactions).",
            DefaultValueFactory = _ => "ml-20m",
        };
        var users = new Option<int?>("--users") { Description = "Override the shape's number of users (e.g. for a quick run)." };
        var items = new Option<int?>("--items") { Description = "Override the shape's number of items." };
        var interactions = new Option<long?>("--interactions") { Description = "Override the shape's number of interactions." };
        var factors = new Option<string>("--factors")
        {
            Description = "Comma-separated latent dimensions to benchmark, e.g. 64,256.",
            DefaultValueFactory = _ => "64,256",
        };
        var threads = new Option<int>("--threads") { Description = "Worker threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var iterations = new Option<int>("--iterations") { Description = "Timed iterations per dimension; the median is reported.", DefaultValueFactory = _ => 3 };
        var solver = new Option<string>("--solver") { Description = "Per-row solver: cg or cholesky.", DefaultValueFactory = _ => "cg" };
        var cgSteps = new Option<int>("--cg-steps") { Description = "Conjugate-gradient steps per row and half-step.", DefaultValueFactory = _ => new IalsOptions().CgSteps };
        var seed = new Option<long>("--seed") { Description = "Seed of the generated data and the initialization.", DefaultValueFactory = _ => 42 };
        var json = new Option<FileInfo?>("--json") { Description = "Write the results as JSON to this file." };
        solver.AcceptOnlyFromAmong("cg", "cholesky");

        var command = new Command("train", "Time iALS iterations on a generated ML-20M-shaped data set: seconds per iteration, GFLOP/s, peak memory.");
        foreach (var option in new Option[] { shape, users, items, interactions, factors, threads, iterations, solver, cgSteps, seed, json })
        {
            command.Options.Add(option);
        }

        command.SetAction((parseResult, cancellationToken) => OfflineConsole.RunAsync(parseResult, cancellationToken, async (console, ct) =>
        {
            var shapeName = parseResult.GetValue(shape)!;
            var dataSeed = parseResult.GetValue(seed);
            var synthetic = SyntheticOptions.ForShape(shapeName, dataSeed)
                ?? throw new OfflineUsageException($"--shape: unknown shape '{shapeName}'; known: ml-20m.");
            synthetic.Users = parseResult.GetValue(users) ?? synthetic.Users;
            synthetic.Items = parseResult.GetValue(items) ?? synthetic.Items;
            synthetic.Interactions = parseResult.GetValue(interactions) ?? synthetic.Interactions;
            synthetic.Clusters = Math.Min(synthetic.Clusters, synthetic.Items);
            var dimensions = ParseList(parseResult.GetValue(factors)!);

            var generateTimer = Stopwatch.StartNew();
            var dataset = await console.Status().StartAsync(
                $"Generating {synthetic.Users:N0} × {synthetic.Items:N0} with {synthetic.Interactions:N0} interactions…",
                _ => Task.Run(() => SyntheticGenerator.Generate(synthetic, ct), ct));
            var generateSeconds = generateTimer.Elapsed.TotalSeconds;
            console.MarkupLine($"Generated {dataset.UserItems.NonZeros:N0} interactions in {generateSeconds:F1} s.");

            var results = new JsonArray();
            var table = new Table().AddColumns("factors", "median s/iteration", "GFLOP/s (est.)", "peak memory");
            foreach (var d in dimensions)
            {
                var options = new IalsOptions
                {
                    Factors = d,
                    Iterations = parseResult.GetValue(iterations),
                    Threads = parseResult.GetValue(threads),
                    Solver = IalsCliOptions.ParseSolver(parseResult.GetValue(solver)),
                    CgSteps = parseResult.GetValue(cgSteps),
                    Seed = (int)dataSeed,
                    ComputeLoss = false,
                };
                ValidateOrThrow(options);
                var reports = new List<IterationReport>();
                await TrainCommand.FitAsync(console, dataset.UserItems, options, reports, ct);
                var seconds = reports.Select(r => r.Seconds).ToList();
                var median = RunMeasurements.Median(seconds);
                var flops = IalsCost.FlopsPerIteration(dataset.UserItems, options);
                var gflops = flops / median / 1e9;
                var memory = RunMeasurements.Memory();
                var peak = (long)memory["peak_memory_bytes"]!;
                table.AddRow(
                    d.ToString(CultureInfo.InvariantCulture),
                    median.ToString("F3", CultureInfo.InvariantCulture),
                    gflops.ToString("F1", CultureInfo.InvariantCulture),
                    RunMeasurements.Bytes(peak));
                results.Add(new JsonObject
                {
                    ["factors"] = d,
                    ["seconds_per_iteration"] = RunMeasurements.Array(seconds),
                    ["median_seconds_per_iteration"] = median,
                    ["flops_per_iteration_estimate"] = flops,
                    ["gflops_estimate"] = gflops,
                    ["peak_memory_bytes"] = peak,
                    ["memory"] = memory,
                    ["settings"] = IalsCliOptions.ToJson(options),
                });
            }

            console.Write(table);
            if (parseResult.GetValue(json) is { } jsonFile)
            {
                var report = new JsonObject
                {
                    ["command"] = "bench train",
                    ["shape"] = shapeName,
                    ["users"] = synthetic.Users,
                    ["items"] = synthetic.Items,
                    ["interactions"] = dataset.UserItems.NonZeros,
                    ["generate_seconds"] = generateSeconds,
                    ["processor_count"] = Environment.ProcessorCount,
                    ["os"] = RuntimeInformation.OSDescription,
                    ["runtime"] = RuntimeInformation.FrameworkDescription,
                    ["date"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                    ["results"] = results,
                };
                await RunMeasurements.WriteJsonAsync(jsonFile, report, ct);
            }

            return 0;
        }));
        return command;
    }

    internal static int[] ParseList(string text)
    {
        var values = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < 1)
            {
                throw new OfflineUsageException($"'{part}' in '{text}' is not a positive whole number.");
            }

            values.Add(value);
        }

        return values.Count > 0 ? [.. values] : throw new OfflineUsageException($"'{text}' lists no numbers.");
    }

    private static void ValidateOrThrow(IalsOptions options)
    {
        try
        {
            options.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new OfflineUsageException(e.Message.Split(Environment.NewLine)[0]);
        }
    }
}
