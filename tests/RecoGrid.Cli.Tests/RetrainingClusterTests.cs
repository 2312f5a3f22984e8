using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace RecoGrid.Cli.Tests;

/// <summary>Retraining on three real `recogrid serve` processes, one of which is killed while the job runs.</summary>
public sealed class RetrainingClusterTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "recogrid-retrain-cluster-" + Guid.NewGuid().ToString("N"));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }

        return Task.CompletedTask;
    }

    private static Dictionary<string, string?> Settings(string? clusterId = null, string? primarySiloPort = null)
    {
        var settings = RetrainingNode.Settings(new()
        {
            ["Training:Iterations"] = "12",
            ["Training:Factors"] = "16",
            ["Training:TuneEvery"] = "0",
            ["Training:Blocks"] = "6",
            ["Training:BlockTimeout"] = "00:00:30",
            ["Api:MaxEventBatchSize"] = "1000",
            ["Api:MaxRequestBodyBytes"] = "1048576",
        });
        if (clusterId is not null)
        {
            settings["Orleans:ClusterId"] = clusterId;
            settings["Orleans:PrimarySiloPort"] = primarySiloPort;
        }

        return settings;
    }

    [Fact(Timeout = 300_000)]
    public async Task ARunSurvivesLosingATrainingNodeMidJobWithTheSameQuality()
    {
        var dataDir = Path.Combine(_root, "data");
        var apiSettings = Settings();
        await using var api = await ServerProcess.StartAsync(dataDir, apiSettings, "all");
        await using var doomed = await ServerProcess.StartAsync(dataDir, Settings(apiSettings["Orleans:ClusterId"], apiSettings["Orleans:SiloPort"]), "training");
        await using var survivor = await ServerProcess.StartAsync(dataDir, Settings(apiSettings["Orleans:ClusterId"], apiSettings["Orleans:SiloPort"]), "training");
        var killed = await KillMidJobAndWaitAsync(api.Http, doomed);
        // Whether a block call was in flight on the killed node at that instant is luck: its worker activations move to
        // the surviving silos either way (counted in reassignments only when a call failed), so what must hold is that
        // the job finished and gave the same answer.
        await AssertSameQualityOnTheNodesLeftAsync(api.Http, killed);
    }

    [Fact(Timeout = 300_000)]
    public async Task ARunWhoseOwnNodeIsLostStartsAgainOnAnotherAndPromotesTheSameModel()
    {
        var dataDir = Path.Combine(_root, "data");
        var apiSettings = Settings();
        // The API node trains nothing, so the retraining run lives on a training node: the first one, alone in the
        // cluster when the run's grain is activated (a GET of a run that does not exist yet activates it).
        await using var api = await ServerProcess.StartAsync(dataDir, apiSettings, "api");
        await using var doomed = await ServerProcess.StartAsync(dataDir, Settings(apiSettings["Orleans:ClusterId"], apiSettings["Orleans:SiloPort"]), "training");
        await RetrainingNode.WaitForClusterAsync(api.Http, "run-0", HttpStatusCode.NotFound);
        await using var survivor = await ServerProcess.StartAsync(dataDir, Settings(apiSettings["Orleans:ClusterId"], apiSettings["Orleans:SiloPort"]), "training");

        var restarted = await KillMidJobAndWaitAsync(api.Http, doomed);
        Assert.Equal(1, restarted.GetProperty("restarts").GetInt32());
        await AssertSameQualityOnTheNodesLeftAsync(api.Http, restarted);
    }

    /// <summary>Sends the data, starts a run, kills <paramref name="doomed"/> in its second iteration, waits for the run.</summary>
    private static async Task<JsonElement> KillMidJobAndWaitAsync(HttpClient api, ServerProcess doomed)
    {
        var data = Training.Synthetic.SyntheticGenerator.Generate(new() { Users = 1_500, Items = 200, Interactions = 30_000, Seed = 8, Clusters = 6 }).ToInteractionData();
        await SendAsync(api, data);

        using var started = await api.PostAsync("/v1/admin/retrain", TestClients.EmptyJson());
        var id = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        while (true)
        {
            var progress = await api.GetFromJsonAsync<JsonElement>($"/v1/admin/retrain/{id}");
            Assert.Equal("running", progress.GetProperty("status").GetString());
            if (progress.GetProperty("step").GetString() == "train" && progress.GetProperty("iteration").GetInt32() >= 2)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"the job did not reach its second iteration: {progress}");
            await Task.Delay(20);
        }

        await doomed.KillHardAsync();
        var run = await RetrainingNode.WaitForRunAsync(api, id, TimeSpan.FromMinutes(6));
        Assert.True(run.GetProperty("status").GetString() == "promoted", $"the run after the kill: {run}");
        Assert.Equal(12, run.GetProperty("iteration").GetInt32());
        return run;
    }

    /// <summary>The same data again, on the nodes left: the factors, and so the metrics, are the same.</summary>
    private static async Task AssertSameQualityOnTheNodesLeftAsync(HttpClient api, JsonElement killed)
    {
        using var again = await api.PostAsync("/v1/admin/retrain", TestClients.EmptyJson());
        Assert.True(again.StatusCode == HttpStatusCode.Accepted, $"a new run right after {killed.GetProperty("id")} finished: {(int)again.StatusCode} {await again.Content.ReadAsStringAsync()}");
        var intact = await RetrainingNode.WaitForRunAsync(api, (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!, TimeSpan.FromMinutes(6));
        Assert.True(intact.GetProperty("status").GetString() == "promoted", $"the run on the nodes left: {intact}");
        Assert.Equal(0, intact.GetProperty("reassignments").GetInt32());
        Assert.Equal(0, intact.GetProperty("restarts").GetInt32());
        Assert.True(killed.TryGetProperty("newMetrics", out var killedMetrics), $"the run after the kill has no newMetrics: {killed}");
        foreach (var metric in intact.GetProperty("newMetrics").EnumerateObject())
        {
            var expected = metric.Value.GetDouble();
            Assert.True(killedMetrics.TryGetProperty(metric.Name, out var value), $"the run after the kill has no {metric.Name}: {killed}");
            var actual = value.GetDouble();
            Assert.True(Math.Abs(actual - expected) <= 1e-4 * Math.Max(Math.Abs(expected), 1e-12), $"{metric.Name}: {actual} after the kill, {expected} without");
        }
    }

    private static async Task SendAsync(HttpClient http, Training.Data.InteractionData data)
    {
        var events = new List<object>();
        for (var u = 0; u < data.Users; u++)
        {
            foreach (var item in data.UserItems.RowIndices(u))
            {
                events.Add(new { userId = "u" + data.UserIds[u], itemId = "i" + data.ItemIds[item], type = "view" });
            }
        }

        foreach (var batch in events.Chunk(1000))
        {
            using var response = await http.PostAsJsonAsync("/v1/events", new { events = batch });
            response.EnsureSuccessStatusCode();
        }
    }
}
