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
        var buildThreads = new Option<int>("--ann-build-threads") { Description = "Threads that build the index (0: one per core). The first 2 % of the items (at least 20,000) are always added by one.", DefaultValueFactory = _ => 0 };
        var version = new Option<DirectoryInfo?>("--version")
        {
            Description = "Measure a version registered by `recogrid models add` instead of building a planted one: its folder under DATA/models/ (its scoring/ tables and index, and its training/ user vectors as the queries). Items, factors and index parameters are the version's.",
        };
        var seed = new Option<long>("--seed") { Description = "Seed of the planted factors.", DefaultValueFactory = _ => 42 };
        var directory = new Option<DirectoryInfo?>("--dir") { Description = "Keep the built version (tables, graphs, index) in this folder; a temporary one, deleted afterwards, by default." };
        var json = new Option<FileInfo?>("--json") { Description = "Also write the results as JSON to this file." };

        var command = new Command("retrieval", "Build a planted catalogue's ONNX tables and HNSW index, then measure build time, index memory, recall@count of two-stage against exact scoring, and two-stage (and exact) throughput and latency.");
        foreach (var option in new Option[] { items, factors, users, count, recallUsers, concurrency, duration, exactDuration, annCandidates, connectivity, expansionAdd, expansionSearch, metric, quantization, buildThreads, version, seed, directory, json })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (ParseResult parse, CancellationToken cancellationToken) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var settings = new RetrievalBenchSettings(
                parse.GetValue(items),
                parse.GetValue(factors),
                parse.GetValue(users),
                parse.GetValue(count),
                parse.GetValue(recallUsers),
                parse.GetValue(concurrency),
                parse.GetValue(duration),
                parse.GetValue(exactDuration) ?? -1,
                parse.GetValue(annCandidates),
                parse.GetValue(connectivity),
                parse.GetValue(expansionAdd),
                parse.GetValue(expansionSearch),
                parse.GetValue(metric)!,
                parse.GetValue(quantization)!,
                parse.GetValue(seed),
                parse.GetValue(directory)?.FullName,
                parse.GetValue(buildThreads),
                parse.GetValue(version)?.FullName);
            if (settings.VersionDirectory is { } versionDirectory)
            {
                var registered = ReadRegisteredVersion(versionDirectory, settings);
                if (registered is null)
                {
                    await error.WriteLineAsync($"--version: '{versionDirectory}' is not a registered version with an ANN index (expected scoring/{AnnIndex.InfoFileName} and training/ with user factors, as `recogrid models add` writes under DATA/models/).");
                    return 1;
                }

                settings = registered;
            }

            if (settings.ExactDurationSeconds == -1)
            {
                settings = settings with { ExactDurationSeconds = settings.Items <= 2_000_000 ? settings.DurationSeconds : 0 };
            }

            if (settings.Items < 1 || settings.Factors < 2 || settings.Users < 1 || settings.Count is < 1 or > ScoringRequest.MaxCount
                || settings.RecallUsers < 1 || settings.Concurrency < 1 || settings.DurationSeconds <= 0 || settings.ExactDurationSeconds < 0
                || settings.AnnCandidates is < 1 or > ScoringRequest.MaxCount || settings.BuildThreads < 0)
            {
                await error.WriteLineAsync($"--items, --users, --recall-users, --concurrency and --duration must be positive, --factors at least 2, --count and --ann-candidates between 1 and {ScoringRequest.MaxCount}, --exact-duration and --ann-build-threads not negative.");
                return 1;
            }

            if (settings.AnnParameters.Validate() is { Count: > 0 } errors)
            {
                await error.WriteLineAsync("--ann-…: " + string.Join(" ", errors));
                return 1;
            }

            var report = await new RetrievalBenchmark(settings, error).RunAsync(cancellationToken);
            report.WriteText(output);
            if (parse.GetValue(json) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, report.ToJson(), cancellationToken);
            }

            return 0;
        });
        return command;
    }

    /// <summary>The settings with the registered version's shape and index parameters, or null when the folder is not one.</summary>
    private static RetrievalBenchSettings? ReadRegisteredVersion(string directory, RetrievalBenchSettings settings)
    {
        var info = Path.Combine(directory, "scoring", AnnIndex.InfoFileName);
        var training = Path.Combine(directory, "training");
        if (!File.Exists(info) || !Directory.Exists(training))
        {
            return null;
        }

        var index = AnnIndexInfo.Read(info);
        int users;
        try
        {
            using var lookup = Training.Artifacts.UserVectorLookup.Open(training);
            users = lookup.Count;
        }
        catch (Training.Artifacts.ModelArtifactException)
        {
            return null;
        }

        return settings with
        {
            Items = index.Items,
            Factors = index.Factors,
            Users = Math.Min(settings.Users, users),
            RecallUsers = Math.Min(settings.RecallUsers, users),
            Metric = index.Parameters.Metric,
            Connectivity = index.Parameters.Connectivity,
            ExpansionAdd = index.Parameters.ExpansionAdd,
            ExpansionSearch = index.Parameters.ExpansionSearch,
            Quantization = index.Parameters.Quantization,
        };
    }
}
