using System.CommandLine;
using System.Globalization;
using RecoGrid.Cli.Bench;
using RecoGrid.Scoring;

namespace RecoGrid.Cli.Commands;

/// <summary>`recogrid bench scoring`: throughput, latency and batching overhead of the scoring engine on random factors.</summary>
internal static class BenchScoringCommand
{
    /// <summary>Adds `scoring` under the `bench` command, creating `bench` when no other benchmark has yet.</summary>
    public static void AddTo(RootCommand root)
    {
        var bench = root.Subcommands.FirstOrDefault(command => command.Name == "bench");
        if (bench is null)
        {
            bench = new Command("bench", "Benchmarks that print machine-readable results.");
            root.Subcommands.Add(bench);
        }

        bench.Subcommands.Add(Create());
    }

    public static Command Create()
    {
        var items = new Option<int>("--items") { Description = "Items in the catalogue.", DefaultValueFactory = _ => 20108 };
        var factors = new Option<int>("--factors") { Description = "Factors per item and user vector.", DefaultValueFactory = _ => 64 };
        var batchSizes = new Option<string>("--batch-sizes") { Description = "Comma-separated batch sizes to measure.", DefaultValueFactory = _ => "1,8,64,256,1024" };
        var concurrency = new Option<int>("--concurrency") { Description = "Concurrent callers for the batched vs naive comparison.", DefaultValueFactory = _ => 64 };
        var duration = new Option<double>("--duration") { Description = "Seconds measured per point, after a warm-up.", DefaultValueFactory = _ => 3 };
        var count = new Option<int>("--count") { Description = "Items returned per request.", DefaultValueFactory = _ => 10 };
        var exclusions = new Option<int>("--exclusions") { Description = "Excluded items per request.", DefaultValueFactory = _ => 10 };
        var threads = new Option<int>("--intra-op-threads") { Description = "ONNX Runtime intra-op threads (0: one per core).", DefaultValueFactory = _ => 0 };
        var seed = new Option<int>("--seed") { Description = "Random seed for factors and requests.", DefaultValueFactory = _ => 42 };
        var provider = new Option<ScoringExecutionProvider>("--execution-provider") { Description = "Cpu, or Cuda (needs the GPU build, -p:OnnxRuntimeFlavor=Gpu, and CUDA; fails instead of falling back to the CPU).", DefaultValueFactory = _ => ScoringExecutionProvider.Cpu };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the results as JSON to this file." };

        var command = new Command("scoring", "Measure scoring throughput and latency vs batch size, batching overhead, and batched vs naive scoring.");
        foreach (var option in new Option[] { items, factors, batchSizes, concurrency, duration, count, exclusions, threads, seed, provider, json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (ParseResult parseResult, CancellationToken cancellationToken) =>
        {
            if (!TryParseBatchSizes(parseResult.GetValue(batchSizes)!, out var sizes))
            {
                await Console.Error.WriteLineAsync("--batch-sizes must be comma-separated integers between 1 and 1024, e.g. 1,8,64,256.");
                return 1;
            }

            var settings = new ScoringBenchSettings(
                parseResult.GetValue(items),
                parseResult.GetValue(factors),
                sizes,
                parseResult.GetValue(concurrency),
                parseResult.GetValue(duration),
                parseResult.GetValue(count),
                parseResult.GetValue(exclusions),
                parseResult.GetValue(threads),
                parseResult.GetValue(seed),
                parseResult.GetValue(provider));
            if (settings.Items < 1 || settings.Factors < 1 || settings.Concurrency < 1 || settings.DurationSeconds <= 0 || settings.Count < 1 || settings.Exclusions < 0)
            {
                await Console.Error.WriteLineAsync("--items, --factors, --concurrency, --duration and --count must be positive; --exclusions must not be negative.");
                return 1;
            }

            var report = await new ScoringBenchmark(settings, Console.Error).RunAsync(cancellationToken);
            report.WriteText(Console.Out);
            if (parseResult.GetValue(json) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, report.ToJson(), cancellationToken);
            }

            return 0;
        });
        return command;
    }

    private static bool TryParseBatchSizes(string text, out int[] sizes)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        sizes = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out sizes[i]) || sizes[i] is < 1 or > 1024)
            {
                return false;
            }
        }

        return sizes.Length > 0;
    }
}
