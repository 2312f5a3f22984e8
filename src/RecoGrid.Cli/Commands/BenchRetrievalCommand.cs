using System.CommandLine;
using RecoGrid.Cli.Bench;
using RecoGrid.Scoring;
using RecoGrid.Scoring.Retrieval;

namespace RecoGrid.Cli.Commands;

/// <summary>`recogrid bench retrieval`: two-stage retrieval on a planted catalogue against exact scoring.</summary>
internal static class BenchRetrievalCommand
{
    /// <summary>Adds `retrieval` under the `bench` command, creating `bench` when no other benchmark has yet.</summary>
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
        var defaults = AnnIndexParameters.Default;
        var items = new Option<int>("--items") { Description = "Planted items in the catalogue (10000000 for the 10M figures).", DefaultValueFactory = _ => 1_000_000 };
        var factors = new Option<int>("--factors") { Description = "Factors per vector.", DefaultValueFactory = _ => 64 };
        var users = new Option<int>("--users") { Description = "Planted user vectors the queries are drawn from.", DefaultValueFactory = _ => 10_000 };
        var count = new Option<int>("--count") { Description = "Items per request; recall is measured at this count.", DefaultValueFactory = _ => 100 };
        var recallUsers = new Option<int>("--recall-users") { Description = "Users scored both exactly and in two stages for recall.", DefaultValueFactory = _ => 1000 };
        var concurrency = new Option<int>("--concurrency") { Description = "Closed-loop callers.", DefaultValueFactory = _ => 32 };
        var duration = new Option<double>("--duration") { Description = "Seconds of two-stage load measured (after a 1 s warm-up).", DefaultValueFactory = _ => 10 };
        var exactDuration = new Option<double?>("--exact-duration")
        {
            Description = "Seconds of exact (full-catalogue) load measured for comparison; 0 skips it. Default: --duration up to 2,000,000 items, else 0.",
        };
        var annCandidates = new Option<int>("--ann-candidates") { Description = "Scoring:AnnCandidates: ANN candidates per request (at least 4 × count).", DefaultValueFactory = _ => ScoringOptions.DefaultAnnCandidates };
        var connectivity = new Option<int>("--ann-connectivity") { Description = "HNSW M.", DefaultValueFactory = _ => defaults.Connectivity };
        var expansionAdd = new Option<int>("--ann-expansion-add") { Description = "HNSW efConstruction.", DefaultValueFactory = _ => defaults.ExpansionAdd };
        var expansionSearch = new Option<int>("--ann-expansion-search") { Description = "HNSW efSearch (a search uses at least the candidates it asks for).", DefaultValueFactory = _ => defaults.ExpansionSearch };
        var metric = new Option<string>("--ann-metric") { Description = $"{AnnIndexParameters.AugmentedL2} or {AnnIndexParameters.InnerProduct}.", DefaultValueFactory = _ => defaults.Metric };
        var quantization = new Option<string>("--ann-quantization") { Description = "f32, f16 or bf16.", DefaultValueFactory = _ => defaults.Quantization };
        var seed = new Option<long>("--seed") { Description = "Seed of the planted factors.", DefaultValueFactory = _ => 42 };
        var directory = new Option<DirectoryInfo?>("--dir") { Description = "Keep the built version (tables, graphs, index) in this folder; a temporary one, deleted afterwards, by default." };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the results as JSON to this file." };

        var command = new Command("retrieval", "Build a planted catalogue's ONNX tables and HNSW index, then measure build time, index memory, recall@count of two-stage against exact scoring, and two-stage (and exact) throughput and latency.");
        foreach (var option in new Option[] { items, factors, users, count, recallUsers, concurrency, duration, exactDuration, annCandidates, connectivity, expansionAdd, expansionSearch, metric, quantization, seed, directory, json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (ParseResult parse, CancellationToken cancellationToken) =>
        {
            var itemCount = parse.GetValue(items);
            var settings = new RetrievalBenchSettings(
                itemCount,
                parse.GetValue(factors),
                parse.GetValue(users),
                parse.GetValue(count),
                parse.GetValue(recallUsers),
                parse.GetValue(concurrency),
                parse.GetValue(duration),
                parse.GetValue(exactDuration) ?? (itemCount <= 2_000_000 ? parse.GetValue(duration) : 0),
                parse.GetValue(annCandidates),
                parse.GetValue(connectivity),
                parse.GetValue(expansionAdd),
                parse.GetValue(expansionSearch),
                parse.GetValue(metric)!,
                parse.GetValue(quantization)!,
                parse.GetValue(seed),
                parse.GetValue(directory)?.FullName);
            if (settings.Items < 1 || settings.Factors < 2 || settings.Users < 1 || settings.Count is < 1 or > ScoringRequest.MaxCount
                || settings.RecallUsers < 1 || settings.Concurrency < 1 || settings.DurationSeconds <= 0 || settings.ExactDurationSeconds < 0
                || settings.AnnCandidates is < 1 or > ScoringRequest.MaxCount)
            {
                await Console.Error.WriteLineAsync($"--items, --users, --recall-users, --concurrency and --duration must be positive, --factors at least 2, --count and --ann-candidates between 1 and {ScoringRequest.MaxCount}, --exact-duration not negative.");
                return 1;
            }

            var parameters = new AnnIndexParameters
            {
                Metric = settings.Metric,
                Connectivity = settings.Connectivity,
                ExpansionAdd = settings.ExpansionAdd,
                ExpansionSearch = settings.ExpansionSearch,
                Quantization = settings.Quantization,
            };
            if (parameters.Validate() is { Count: > 0 } errors)
            {
                await Console.Error.WriteLineAsync("--ann-…: " + string.Join(" ", errors));
                return 1;
            }

            var report = await new RetrievalBenchmark(settings, Console.Error).RunAsync(cancellationToken);
            report.WriteText(Console.Out);
            if (parse.GetValue(json) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, report.ToJson(), cancellationToken);
            }

            return 0;
        });
        return command;
    }
}
