using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using RecoGrid.Cli.Hosting;
using RecoGrid.Cli.Offline;
using RecoGrid.Server.Retraining;
using RecoGrid.Training.Synthetic;
using Spectre.Console;

namespace RecoGrid.Cli.Commands;

/// <summary>
/// `recogrid bench retrain`: one scheduled retraining end to end on a real node in this process: generated events
/// through POST /v1/events, a restart with a schedule due at once, then the run (log snapshot → distributed training →
/// gate → promote) and the time until recommendations come from the new version, with the seconds of each step.
/// </summary>
internal static class BenchRetrainCommand
{
    public static void AddTo(RootCommand root) => root.Subcommands.First(c => c.Name == "bench").Subcommands.Add(Create());

    public static Command Create()
    {
        var users = new Option<int>("--users") { Description = "Users of the generated events.", DefaultValueFactory = _ => 20_000 };
        var items = new Option<int>("--items") { Description = "Items of the generated events.", DefaultValueFactory = _ => 2_000 };
        var interactions = new Option<long>("--interactions") { Description = "Events sent through the API.", DefaultValueFactory = _ => 400_000 };
        var factors = new Option<int>("--factors") { Description = "Training:Factors.", DefaultValueFactory = _ => 64 };
        var iterations = new Option<int>("--iterations") { Description = "Training:Iterations.", DefaultValueFactory = _ => 10 };
        var tune = new Option<bool>("--tune") { Description = "Let the run tune first (Training:TuneEvery=1, Training:TuneTrials=4)." };
        var json = new Option<FileInfo?>("--json") { Description = "Write the timings and the run's record as JSON." };
        var command = new Command("retrain", "One scheduled retraining end to end on a node in this process: events through the API → log snapshot → distributed train → gate → promote, timed per step.")
        {
            users, items, interactions, factors, iterations, tune, json,
        };
        command.SetAction((parse, cancellationToken) => OfflineConsole.RunAsync(parse, cancellationToken, async (console, ct) =>
        {
            var dataDir = Path.Combine(Path.GetTempPath(), "recogrid-bench-retrain-" + Guid.NewGuid().ToString("N"));
            var timings = new JsonObject();
            try
            {
                var synthetic = new SyntheticOptions { Users = parse.GetValue(users), Items = parse.GetValue(items), Interactions = parse.GetValue(interactions) };
                synthetic.Clusters = Math.Min(synthetic.Clusters, synthetic.Items);
                var data = SyntheticGenerator.Generate(synthetic, ct).ToInteractionData();
                var settings = new Dictionary<string, string?>
                {
                    ["Orleans:SiloPort"] = FreePort(),
                    ["Orleans:GatewayPort"] = FreePort(),
                    ["Orleans:ClusterId"] = "bench-" + Guid.NewGuid().ToString("N"),
                    ["Api:MaxEventBatchSize"] = "1000",
                    // The benchmark measures the node, not the per-key rate limit.
                    ["Limits:RequestsPerSecond"] = "0",
                    ["Logging:LogLevel:Default"] = "Warning",
                    ["Training:Factors"] = parse.GetValue(factors).ToString(CultureInfo.InvariantCulture),
                    ["Training:Iterations"] = parse.GetValue(iterations).ToString(CultureInfo.InvariantCulture),
                    ["Training:TuneEvery"] = parse.GetValue(tune) ? "1" : "0",
                    ["Training:TuneTrials"] = "4",
                };
                var url = $"http://127.0.0.1:{FreePort()}";

                // 1. Events through the API, on a node without a schedule.
                var timer = Stopwatch.StartNew();
                await using (var app = ServeHost.Build(new ServeSettings { Urls = url, DataDir = dataDir, Overrides = settings }))
                {
                    await app.StartAsync(ct);
                    using var http = AdminClientOptions.ForLocalNode(url, dataDir);
                    await console.Status().StartAsync($"Sending {data.NonZeros:N0} events through POST /v1/events…", async _ =>
                    {
                        var batch = new List<object>(1000);
                        for (var u = 0; u < data.Users; u++)
                        {
                            foreach (var item in data.UserItems.RowIndices(u).ToArray())
                            {
                                batch.Add(new { userId = "u" + data.UserIds[u], itemId = "i" + data.ItemIds[item], type = "view" });
                                if (batch.Count == 1000)
                                {
                                    await PostAsync(http, batch, ct);
                                }
                            }
                        }

                        await PostAsync(http, batch, ct);
                    });
                    timings["ingest_seconds"] = timer.Elapsed.TotalSeconds;
                    timings["events_per_second"] = data.NonZeros / timer.Elapsed.TotalSeconds;
                    await app.StopAsync(ct);
                }

                // 2. The node again, now with a schedule that is due within two seconds: the reminder starts the run.
                settings["Training:Schedule"] = "*/2 * * * * *";
                settings["Training:ScheduleCheckInterval"] = "00:00:01";
                timer.Restart();
                await using var scheduled = ServeHost.Build(new ServeSettings { Urls = url, DataDir = dataDir, Overrides = settings });
                await scheduled.StartAsync(ct);
                timings["restart_seconds"] = timer.Elapsed.TotalSeconds;
                using var client = AdminClientOptions.ForLocalNode(url, dataDir);
                timer.Restart();
                RetrainingRun? run = null;
                while (run is null)
                {
                    await Task.Delay(100, ct);
                    run = await TryCurrentAsync(client, ct);
                }

                timings["wait_for_schedule_seconds"] = timer.Elapsed.TotalSeconds;
                run = await RetrainCommand.FollowAsync(console, client, run, ct);
                timer.Restart();
                while (run.Version is { } version)
                {
                    var recommendations = await client.GetFromJsonAsync<JsonElement>("/v1/users/u0/recommendations?count=10", ct);
                    if (recommendations.GetProperty("modelVersion").GetString() == version)
                    {
                        timings["serving_after_seconds"] = timer.Elapsed.TotalSeconds;
                        break;
                    }

                    await Task.Delay(50, ct);
                }

                RetrainCommand.Show(console, run);
                console.MarkupLine("  bench: " + string.Join(", ", timings.Select(t => $"{t.Key} {((double)t.Value!).ToString("F2", CultureInfo.InvariantCulture)}")));
                if (parse.GetValue(json) is { } file)
                {
                    await RunMeasurements.WriteJsonAsync(file, new JsonObject
                    {
                        ["command"] = "bench retrain",
                        ["users"] = data.Users,
                        ["items"] = data.Items,
                        ["events"] = data.NonZeros,
                        ["processor_count"] = Environment.ProcessorCount,
                        ["timings"] = timings,
                        ["run"] = JsonSerializer.SerializeToNode(run, RetrainingHistory.Json),
                    }, ct);
                }

                await scheduled.StopAsync(ct);
                return run.Status == RetrainingStatus.Promoted ? 0 : OfflineConsole.ExitFailure;
            }
            finally
            {
                if (Directory.Exists(dataDir))
                {
                    Directory.Delete(dataDir, recursive: true);
                }
            }
        }));
        return command;
    }

    // The run the schedule started: the first recorded or in progress (run-1).
    private static async Task<RetrainingRun?> TryCurrentAsync(HttpClient http, CancellationToken ct)
    {
        using var response = await http.GetAsync("/v1/admin/retrain/run-1", ct);
        return response.StatusCode == HttpStatusCode.OK ? await response.Content.ReadFromJsonAsync<RetrainingRun>(RetrainingHistory.Json, ct) : null;
    }

    private static async Task PostAsync(HttpClient http, List<object> batch, CancellationToken ct)
    {
        if (batch.Count == 0)
        {
            return;
        }

        using var response = await http.PostAsJsonAsync("/v1/events", new { events = batch }, ct);
        response.EnsureSuccessStatusCode();
        batch.Clear();
    }

    private static string FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
    }
}
