using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using RecoGrid.Cli.Hosting;
using RecoGrid.Training.Data;
using RecoGrid.Training.Synthetic;

namespace RecoGrid.Cli.Tests;

/// <summary>A real node (silo + API) with small retraining settings, and helpers to feed it events and follow runs.</summary>
public sealed class RetrainingNode : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RetrainingNode(WebApplication app, string dataDir, HttpClient http)
    {
        _app = app;
        DataDir = dataDir;
        Http = http;
    }

    public string DataDir { get; }

    public HttpClient Http { get; }

    /// <summary>Retraining settings small enough for a test: few factors, iterations and trials, four blocks.</summary>
    public static Dictionary<string, string?> Settings(Dictionary<string, string?>? extra = null)
    {
        var settings = HostFixture.TestSettings();
        settings["Models:PollInterval"] = "00:00:00.200";
        settings["Training:Factors"] = "8";
        settings["Training:Iterations"] = "4";
        settings["Training:TuneEvery"] = "1";
        settings["Training:TuneTrials"] = "2";
        settings["Training:HoldoutFraction"] = "0.2";
        settings["Training:Metric"] = "recall@20";
        settings["Training:Blocks"] = "4";
        settings["Training:WorkerThreads"] = "1";
        settings["Training:ProgressInterval"] = "00:00:00.050";
        foreach (var (key, value) in extra ?? [])
        {
            settings[key] = value;
        }

        return settings;
    }

    public static async Task<RetrainingNode> StartAsync(string dataDir, Dictionary<string, string?> settings)
    {
        var port = TestPorts.Next();
        var app = ServeHost.Build(new ServeSettings { Urls = $"http://127.0.0.1:{port}", DataDir = dataDir, Overrides = settings });
        await app.StartAsync();
        var http = TestClients.Admin(port, dataDir);
        http.Timeout = TimeSpan.FromSeconds(60);
        Assert.Equal(HttpStatusCode.OK, (await Readiness.WaitAsync(http)).StatusCode);
        return new RetrainingNode(app, dataDir, http);
    }

    /// <summary>Seeded synthetic interactions with planted clusters.</summary>
    public static InteractionData Interactions(int seed = 5) =>
        SyntheticGenerator.Generate(new SyntheticOptions { Users = 300, Items = 80, Interactions = 6_000, Seed = seed, Clusters = 5 }).ToInteractionData();

    /// <summary>Sends every interaction through POST /v1/events (as views), in batches the test settings allow.</summary>
    public static async Task SendEventsAsync(HttpClient http, InteractionData data)
    {
        var events = new List<object>();
        for (var u = 0; u < data.Users; u++)
        {
            foreach (var item in data.UserItems.RowIndices(u))
            {
                events.Add(new { userId = "u" + data.UserIds[u], itemId = "i" + data.ItemIds[item], type = "view" });
            }
        }

        foreach (var batch in events.Chunk(100))
        {
            using var response = await http.PostAsJsonAsync("/v1/events", new { events = batch });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }
    }

    /// <summary>Polls GET /v1/admin/retrain/{id} until it answers <paramref name="expected"/> (503 while the cluster forms).</summary>
    public static async Task WaitForClusterAsync(HttpClient http, string id, HttpStatusCode expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            using var response = await http.GetAsync($"/v1/admin/retrain/{id}");
            if (response.StatusCode == expected)
            {
                return;
            }

            Assert.True(DateTime.UtcNow < deadline, $"GET /v1/admin/retrain/{id}: {response.StatusCode}, not {expected}, at the deadline: {await response.Content.ReadAsStringAsync()}");
            await Task.Delay(200);
        }
    }

    /// <summary>Polls GET /v1/admin/retrain/{id} until the run has finished.</summary>
    public static async Task<JsonElement> WaitForRunAsync(HttpClient http, string id, TimeSpan? within = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromMinutes(4));
        while (true)
        {
            // A node lost mid-run makes the cluster answer 503 with Retry-After until membership settles: a client retries.
            using var response = await http.GetAsync($"/v1/admin/retrain/{id}");
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                Assert.NotNull(response.Headers.RetryAfter);
                Assert.True(DateTime.UtcNow < deadline, $"run {id}: still 503 at the deadline");
                await Task.Delay(200);
                continue;
            }

            response.EnsureSuccessStatusCode();
            var run = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (run.GetProperty("status").GetString() != "running")
            {
                return run;
            }

            Assert.True(DateTime.UtcNow < deadline, $"run {id} did not finish: {run}");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
