using System.CommandLine;
using System.Diagnostics;
using System.Text.Json;
using RecoGrid.Scoring;
using RecoGrid.Scoring.Hosting;
using RecoGrid.Scoring.Onnx;
using RecoGrid.Scoring.Retrieval;
using RecoGrid.Training.Artifacts;
using RecoGrid.Training.Synthetic;

namespace RecoGrid.Cli.Commands;

/// <summary>
/// `recogrid bench history`: what excluding a trained user's training history costs per request: reading it from the
/// artifact (<c>user_history.bin</c> through the user index) and ranking with it excluded, against ranking without.
/// </summary>
internal static class BenchHistoryCommand
{
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

    private static Command Create()
    {
        var users = new Option<int>("--users") { Description = "Trained users in the generated artifact.", DefaultValueFactory = _ => 50_000 };
        var items = new Option<int>("--items") { Description = "Items in the catalogue.", DefaultValueFactory = _ => 20_000 };
        var interactions = new Option<long>("--interactions") { Description = "Training interactions (history entries) in all.", DefaultValueFactory = _ => 2_000_000 };
        var factors = new Option<int>("--factors") { Description = "Latent dimension d.", DefaultValueFactory = _ => 64 };
        var requests = new Option<int>("--requests") { Description = "Requests per measurement (one caller, random trained users).", DefaultValueFactory = _ => 2_000 };
        var count = new Option<int>("--count") { Description = "Items per ranking.", DefaultValueFactory = _ => 20 };
        var directory = new Option<string>("--dir") { Description = "Folder for the generated artifact (a temporary folder under it is used and removed).", DefaultValueFactory = _ => Path.GetTempPath() };
        var command = new Command("history", "Cost per request of excluding trained users' training history: the artifact read, and exact ranking with and without the exclusion; one JSON line per measurement.")
        {
            users, items, interactions, factors, requests, count, directory,
        };
        command.SetAction(async (parse, ct) =>
        {
            var output = parse.InvocationConfiguration.Output;
            var folder = Path.Combine(parse.GetValue(directory)!, "recogrid-bench-history-" + Guid.NewGuid().ToString("N"));
            try
            {
                var d = parse.GetValue(factors);
                var data = SyntheticGenerator.Generate(new SyntheticOptions
                {
                    Users = parse.GetValue(users),
                    Items = parse.GetValue(items),
                    Interactions = parse.GetValue(interactions),
                    Seed = 1,
                }, ct).ToInteractionData();
                var random = new Random(2);
                float Next() => (float)((random.NextDouble() * 2) - 1);
                var itemFactors = new float[(long)data.Items * d];
                var userFactors = new float[(long)data.Users * d];
                for (var i = 0; i < itemFactors.Length; i++)
                {
                    itemFactors[i] = Next();
                }

                for (var i = 0; i < userFactors.Length; i++)
                {
                    userFactors[i] = Next();
                }

                var artifact = ModelArtifact.Write(folder, new ModelArtifactContent
                {
                    Factors = d,
                    ItemIds = data.ItemIds,
                    ItemFactors = itemFactors,
                    UserIds = data.UserIds,
                    UserFactors = userFactors,
                    UserHistory = data.UserItems,
                });
                using var lookup = artifact.OpenUserLookup();
                await using var engine = new ScoringEngine(new ScoringOptions { MaxBatchDelay = TimeSpan.Zero });
                using (var exported = ItemFactorModelExporter.Export("bench", itemFactors, d, data.ItemIds))
                {
                    engine.LoadVersion(exported, activate: true);
                }

                var n = parse.GetValue(requests);
                var wanted = parse.GetValue(count);
                var picks = Enumerable.Range(0, n).Select(_ => random.Next(data.Users)).ToArray();
                var vector = new float[d];

                // Read cost alone (cold pages on the first pass are part of it; the OS cache keeps them after).
                var read = new List<double>(n);
                long entries = 0;
                foreach (var u in picks)
                {
                    var started = Stopwatch.GetTimestamp();
                    entries += lookup.GetHistory(data.UserIds[u]).Length;
                    read.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
                }

                await WriteAsync(output, "history-read", read, entries / (double)n, ct);
                foreach (var exclude in new[] { false, true })
                {
                    var latencies = new List<double>(n);
                    foreach (var u in picks)
                    {
                        var started = Stopwatch.GetTimestamp();
                        lookup.TryGet(data.UserIds[u], vector);
                        var history = exclude ? lookup.GetHistory(data.UserIds[u]) : null;
                        await engine.ScoreAsync(new ScoringRequest { ModelVersion = "bench", UserVector = vector, Count = wanted, ExcludeItemIndices = history, Retrieval = RetrievalMode.Exact }, ct);
                        latencies.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
                    }

                    await WriteAsync(output, exclude ? "rank-excluding-history" : "rank-without-exclusion", latencies, entries / (double)n, ct);
                }

                return 0;
            }
            finally
            {
                if (Directory.Exists(folder))
                {
                    Directory.Delete(folder, recursive: true);
                }
            }
        });
        return command;
    }

    private static async Task WriteAsync(TextWriter output, string name, List<double> micros, double meanHistory, CancellationToken ct)
    {
        micros.Sort();
        double At(double q) => micros[Math.Min(micros.Count - 1, (int)(q * micros.Count))];
        var line = JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["bench"] = "history",
            ["measurement"] = name,
            ["requests"] = micros.Count,
            ["mean_history_items"] = Math.Round(meanHistory, 1),
            ["mean_us"] = Math.Round(micros.Average(), 1),
            ["p50_us"] = Math.Round(At(0.5), 1),
            ["p99_us"] = Math.Round(At(0.99), 1),
        });
        await output.WriteLineAsync(line.AsMemory(), ct);
    }
}
