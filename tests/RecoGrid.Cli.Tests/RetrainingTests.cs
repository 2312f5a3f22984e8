using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using RecoGrid.Cli.Commands;
using RecoGrid.Server.Models;
using RecoGrid.Storage.Models;
using RecoGrid.Training.Artifacts;
using RecoGrid.Training.Models;

namespace RecoGrid.Cli.Tests;

/// <summary>Retraining from the log through the real host: events in, a run, the gate, the registry, the history.</summary>
public sealed class RetrainingTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "recogrid-retrain-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task ARunTrainsOnWhatTheApiAcknowledgedAndPromotesAModelWithItsMetrics()
    {
        await using var node = await RetrainingNode.StartAsync(Path.Combine(_root, "data"), RetrainingNode.Settings());
        var data = RetrainingNode.Interactions();
        await RetrainingNode.SendEventsAsync(node.Http, data);

        using var started = await node.Http.PostAsync("/v1/admin/retrain", TestClients.EmptyJson());
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var id = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        Assert.Equal($"/v1/admin/retrain/{id}", started.Headers.Location?.OriginalString);

        using var second = await node.Http.PostAsync("/v1/admin/retrain", TestClients.EmptyJson());
        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Contains(id, await second.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var run = await RetrainingNode.WaitForRunAsync(node.Http, id);
        Assert.Equal("promoted", run.GetProperty("status").GetString());
        Assert.True(run.GetProperty("tuned").GetBoolean());
        Assert.Equal(data.NonZeros, run.GetProperty("interactions").GetInt64());
        Assert.Equal(data.Users, run.GetProperty("users").GetInt32());
        Assert.Equal(4, run.GetProperty("iteration").GetInt32());
        Assert.Equal(4, run.GetProperty("secondsPerIteration").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, run.GetProperty("servingMetrics").ValueKind);
        foreach (var step in new[] { "snapshot", "tune", "train", "evaluate", "gate", "register", "promote", "total" })
        {
            Assert.True(run.GetProperty("durations").TryGetProperty(step, out _), $"no duration for {step}: {run}");
        }

        var version = run.GetProperty("version").GetString()!;
        var registry = await node.Http.GetFromJsonAsync<JsonElement>("/v1/admin/models");
        Assert.Equal(version, registry.GetProperty("active").GetString());
        var metrics = registry.GetProperty("versions")[0].GetProperty("metrics");
        Assert.Equal(run.GetProperty("newMetrics").GetProperty("recall@20").GetDouble(), metrics.GetProperty("recall@20").GetDouble());

        var recommendations = await node.Http.GetFromJsonAsync<JsonElement>("/v1/users/u0/recommendations?count=5");
        Assert.Equal("model", recommendations.GetProperty("source").GetString());
        Assert.Equal(version, recommendations.GetProperty("modelVersion").GetString());

        // A second run is gated against the first on the same held-out users, with the tuned configuration kept.
        using var again = await node.Http.PostAsync("/v1/admin/retrain", TestClients.EmptyJson());
        var secondRun = await RetrainingNode.WaitForRunAsync(node.Http, (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);
        Assert.Equal(version, secondRun.GetProperty("servingVersion").GetString());
        Assert.Equal(run.GetProperty("settings").ToString(), secondRun.GetProperty("settings").ToString());
        Assert.True(secondRun.GetProperty("tuned").GetBoolean());
        Assert.NotEqual(JsonValueKind.Null, secondRun.GetProperty("servingMetrics").ValueKind);

        var history = await node.Http.GetFromJsonAsync<JsonElement>("/v1/admin/models/history");
        Assert.Equal([secondRun.GetProperty("id").GetString(), id], history.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("id").GetString()));
    }

    [Fact]
    public async Task ARunWorseThanTheServingModelIsRejectedAndTheServingModelStays()
    {
        var dataDir = Path.Combine(_root, "data");
        var data = RetrainingNode.Interactions();

        // A strong model, trained offline on the same interactions, is serving.
        var strong = IalsModel.Fit(data.UserItems, new IalsOptions { Factors = 16, Iterations = 10, Alpha = 10, Lambda = 1, Threads = 2, ComputeLoss = false });
        var artifact = Path.Combine(_root, "strong");
        ModelArtifact.Write(artifact, new ModelArtifactContent
        {
            Model = ArtifactManifest.IalsModel,
            Solve = new IalsOptions { Alpha = 10, Lambda = 1 }.SolveParameters,
            Factors = 16,
            ItemIds = [.. data.ItemIds.Select(i => "i" + i)],
            ItemFactors = strong.ItemFactors,
        });
        var registry = new FileModelRegistry(Path.Combine(dataDir, "models"));
        var serving = await new ModelRegistration(registry).AddAsync(artifact, CancellationToken.None);
        await registry.PromoteAsync(serving.Version);

        // Retraining is configured weak: one iteration of two factors, never tuned, no tolerance.
        await using var node = await RetrainingNode.StartAsync(dataDir, RetrainingNode.Settings(new()
        {
            ["Training:Factors"] = "2",
            ["Training:Iterations"] = "1",
            ["Training:TuneEvery"] = "0",
            ["Training:GateTolerance"] = "0",
        }));
        await RetrainingNode.SendEventsAsync(node.Http, data);

        using var started = await node.Http.PostAsync("/v1/admin/retrain", TestClients.EmptyJson());
        var run = await RetrainingNode.WaitForRunAsync(node.Http, (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);

        Assert.Equal("rejected", run.GetProperty("status").GetString());
        Assert.False(run.GetProperty("tuned").GetBoolean());
        Assert.Equal(serving.Version, run.GetProperty("servingVersion").GetString());
        Assert.True(run.GetProperty("newMetrics").GetProperty("recall@20").GetDouble() < run.GetProperty("servingMetrics").GetProperty("recall@20").GetDouble());
        Assert.Contains("rejected", run.GetProperty("decision").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, run.GetProperty("version").ValueKind);
        var state = await registry.GetAsync();
        Assert.Equal(serving.Version, state.Active);
        Assert.Single(state.Versions);
    }

    [Fact]
    public async Task AFailedRunIsRecordedAndTheServingModelIsUntouched()
    {
        // Nothing was sent, so the log snapshot is empty and the run fails at its first step.
        await using var node = await RetrainingNode.StartAsync(Path.Combine(_root, "data"), RetrainingNode.Settings());

        using var started = await node.Http.PostAsync("/v1/admin/retrain", TestClients.EmptyJson());
        var run = await RetrainingNode.WaitForRunAsync(node.Http, (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!);

        Assert.Equal("failed", run.GetProperty("status").GetString());
        Assert.Equal("snapshot", run.GetProperty("step").GetString());
        Assert.Contains("no events", run.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, (await node.Http.GetFromJsonAsync<JsonElement>("/v1/admin/models")).GetProperty("active").ValueKind);
        Assert.Equal(HttpStatusCode.NotFound, (await node.Http.GetAsync("/v1/admin/retrain/run-99")).StatusCode);
    }

    [Fact]
    public async Task ARunStartsOnTheCronScheduleThroughTheReminder()
    {
        // Every two seconds (cron with a seconds field), checked every second by the schedule's reminder.
        await using var node = await RetrainingNode.StartAsync(Path.Combine(_root, "data"), RetrainingNode.Settings(new()
        {
            ["Training:Schedule"] = "*/2 * * * * *",
            ["Training:ScheduleCheckInterval"] = "00:00:01",
            ["Training:TuneEvery"] = "0",
        }));
        await RetrainingNode.SendEventsAsync(node.Http, RetrainingNode.Interactions());

        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        JsonElement runs;
        do
        {
            await Task.Delay(200);
            runs = (await node.Http.GetFromJsonAsync<JsonElement>("/v1/admin/models/history")).GetProperty("runs");
            Assert.True(DateTime.UtcNow < deadline, "no scheduled run was recorded");
        }
        while (!runs.EnumerateArray().Any(r => r.GetProperty("status").GetString() == "promoted"));

        Assert.All(runs.EnumerateArray(), r => Assert.Equal("schedule", r.GetProperty("trigger").GetString()));
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await RecoGridCommands.Build().Parse(args).InvokeAsync(new System.CommandLine.InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task TheRetrainCommandFollowsARunPerIterationAndModelsHistoryShowsIt()
    {
        var dataDir = Path.Combine(_root, "data");
        await using var node = await RetrainingNode.StartAsync(dataDir, RetrainingNode.Settings(new() { ["Training:TuneEvery"] = "0" }));
        await RetrainingNode.SendEventsAsync(node.Http, RetrainingNode.Interactions());
        var report = Path.Combine(_root, "run.json");

        var (exitCode, output, error) = await RunAsync("retrain", "--server", node.Http.BaseAddress!.ToString(), "--data-dir", node.DataDir, "--json", report);

        Assert.True(exitCode == 0, error + output);
        Assert.Contains("iteration   4:", output, StringComparison.Ordinal);
        Assert.Contains("run-1 promoted", output, StringComparison.Ordinal);
        Assert.Equal("promoted", (string?)JsonNode.Parse(File.ReadAllText(report))!["status"]);

        var history = await RunAsync("models", "history", "--data-dir", dataDir, "--json", Path.Combine(_root, "history.json"));
        Assert.Equal(0, history.ExitCode);
        Assert.Contains("run-1", history.Output, StringComparison.Ordinal);
        Assert.Equal("run-1", (string?)JsonNode.Parse(File.ReadAllText(Path.Combine(_root, "history.json")))![0]!["id"]);
    }

    [Fact]
    public async Task TheRetrainCommandExplainsAnUnreachableServer()
    {
        var (exitCode, _, error) = await RunAsync("retrain", "--server", $"http://127.0.0.1:{TestPorts.Next()}");

        Assert.Equal(1, exitCode);
        Assert.Contains("could not reach", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheClusterTrainingBenchmarkReportsEachLayout()
    {
        var report = Path.Combine(_root, "bench.json");

        var (exitCode, output, error) = await RunAsync(
            "bench", "train-cluster", "--users", "400", "--items", "60", "--interactions", "4000", "--iterations", "2", "--factors", "4",
            "--blocks", "2", "--layouts", "1x2,2x1", "--json", report);

        Assert.True(exitCode == 0, error + output);
        var results = JsonNode.Parse(File.ReadAllText(report))!["results"]!.AsArray();
        Assert.Equal([1, 2], results.Select(r => (int)r!["silos"]!));
        Assert.All(results, r => Assert.True((long)r!["median_bytes_per_iteration"]! > 0));
        Assert.Equal(2, results[1]!["solves_by_silo"]!.AsObject().Count);
    }
}
