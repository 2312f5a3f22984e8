using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace RecoGrid.Cli.Tests;

/// <summary>Real `recogrid serve` processes: an api node whose scoring node dies, and an api node that never had one.</summary>
public sealed class ScoringLossTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "recogrid-scoring-loss-" + Guid.NewGuid().ToString("N"));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    private static async Task<JsonElement> WaitForSourceAsync(ServerProcess api, string userId, string source, List<string> failures)
    {
        JsonElement recs = default;
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(90))
        {
            using var response = await api.Http.GetAsync($"/v1/users/{userId}/recommendations?count=5");
            if (response.StatusCode != HttpStatusCode.OK)
            {
                failures.Add($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            }
            else
            {
                recs = await response.Content.ReadFromJsonAsync<JsonElement>();
                if (recs.GetProperty("source").GetString() == source)
                {
                    return recs;
                }
            }

            await Task.Delay(100);
        }

        Assert.Fail($"no '{source}' answer within 90 s; last: {recs}; api output:\n{api.Output}");
        return recs;
    }

    [Fact]
    public async Task RecommendationsFallBackToPopularityWhenTheOnlyScoringNodeDies()
    {
        var dataDir = Path.Combine(_root, "data");
        var data = await TestModels.RegisterTwoVersionsAsync(_root, dataDir);
        var apiSettings = HostFixture.TestSettings();
        apiSettings["Models:PollInterval"] = "00:00:00.200";
        var scoringSettings = HostFixture.TestSettings();
        scoringSettings["Orleans:ClusterId"] = apiSettings["Orleans:ClusterId"];
        scoringSettings["Orleans:PrimarySiloPort"] = apiSettings["Orleans:SiloPort"];
        scoringSettings["Models:PollInterval"] = "00:00:00.200";

        await using var api = await ServerProcess.StartAsync(dataDir, apiSettings, "api");
        await using var scoring = await ServerProcess.StartAsync(dataDir, scoringSettings, "scoring");
        (await api.Http.PostAsync("/v1/admin/models/v1:promote", TestClients.EmptyJson())).EnsureSuccessStatusCode();
        (await api.Http.PostAsJsonAsync("/v1/events", new { events = data.ItemIds.Take(4).Select(i => new { userId = "someone", itemId = i, type = "purchase" }) })).EnsureSuccessStatusCode();
        var failures = new List<string>();
        await WaitForSourceAsync(api, data.UserIds[0], "model", failures);
        Assert.Equal("ready", (await api.Http.GetFromJsonAsync<JsonElement>("/readyz")).GetProperty("status").GetString());

        await scoring.KillHardAsync();
        await WaitForSourceAsync(api, data.UserIds[1], "popularity-fallback", failures);
        for (var u = 2; u < 12; u++)
        {
            using var response = await api.Http.GetAsync($"/v1/users/{data.UserIds[u]}/recommendations?count=5");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("popularity-fallback", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("source").GetString());
        }

        Assert.Empty(failures);

        // Once membership has declared the scoring node dead, readiness names the missing role.
        var readiness = default(JsonElement);
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(90))
        {
            using var response = await api.Http.GetAsync("/readyz");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            readiness = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (readiness.GetProperty("status").GetString() == "degraded")
            {
                break;
            }

            await Task.Delay(200);
        }

        Assert.Equal("degraded", readiness.GetProperty("status").GetString());
        Assert.Contains("'scoring' role", readiness.GetProperty("degraded")[0].GetString(), StringComparison.Ordinal);

        // Users now live on the api node: their fallback ranks by popularity, which knows the purchases above.
        var recovered = await WaitForSourceAsync(api, data.UserIds[20], "popularity-fallback", failures);
        for (var tries = 0; recovered.GetProperty("items").GetArrayLength() == 0 && tries < 100; tries++)
        {
            await Task.Delay(200);
            recovered = await api.Http.GetFromJsonAsync<JsonElement>($"/v1/users/{data.UserIds[20]}/recommendations?count=5");
        }

        Assert.NotEqual(0, recovered.GetProperty("items").GetArrayLength());
        Assert.Empty(failures);
    }

    [Fact]
    public async Task RequestsInFlightWhenTheScoringNodeDiesFallBackWithinTheBoundAndTheModelReturnsWithANewScoringNode()
    {
        var dataDir = Path.Combine(_root, "data");
        var data = await TestModels.RegisterTwoVersionsAsync(_root, dataDir);
        var callTimeout = TimeSpan.FromSeconds(1);
        var recommendationTimeout = TimeSpan.FromSeconds(3);
        var apiSettings = HostFixture.TestSettings();
        apiSettings["Models:PollInterval"] = "00:00:00.200";
        apiSettings["Scoring:CallTimeout"] = callTimeout.ToString();
        apiSettings["Api:RecommendationTimeout"] = recommendationTimeout.ToString();
        Dictionary<string, string?> ScoringSettings()
        {
            var settings = HostFixture.TestSettings();
            settings["Orleans:ClusterId"] = apiSettings["Orleans:ClusterId"];
            settings["Orleans:PrimarySiloPort"] = apiSettings["Orleans:SiloPort"];
            settings["Models:PollInterval"] = "00:00:00.200";
            return settings;
        }

        await using var api = await ServerProcess.StartAsync(dataDir, apiSettings, "api");
        // The users' grains and the log partitions activate on the api node before a scoring node joins, so the only
        // calls the kill can leave hanging are scoring calls (requests whose user grain dies with its node may fail).
        var users = data.UserIds.Take(8).ToArray();
        (await api.Http.PostAsJsonAsync("/v1/events", new { events = users.Select(u => new { userId = u, itemId = data.ItemIds[0], type = "view" }) })).EnsureSuccessStatusCode();
        var failures = new List<string>();
        foreach (var user in users)
        {
            await WaitForSourceAsync(api, user, "popularity", failures);
        }

        await using var scoring = await ServerProcess.StartAsync(dataDir, ScoringSettings(), "scoring");
        (await api.Http.PostAsync("/v1/admin/models/v1:promote", TestClients.EmptyJson())).EnsureSuccessStatusCode();
        foreach (var user in users)
        {
            await WaitForSourceAsync(api, user, "model", failures);
        }

        // Closed-loop callers, as a load balancer's clients: before, during and after the kill.
        var answers = new System.Collections.Concurrent.ConcurrentQueue<(HttpStatusCode Status, string? Source, TimeSpan Took, bool AfterKill)>();
        var killed = false;
        using var stop = new CancellationTokenSource();
        var callers = Enumerable.Range(0, 4).Select(c => Task.Run(async () =>
        {
            for (var i = c; !stop.IsCancellationRequested; i++)
            {
                var afterKill = Volatile.Read(ref killed);
                var clock = System.Diagnostics.Stopwatch.StartNew();
                using var response = await api.Http.GetAsync($"/v1/users/{users[i % users.Length]}/recommendations?count=5");
                var source = response.IsSuccessStatusCode ? (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("source").GetString() : null;
                answers.Enqueue((response.StatusCode, source, clock.Elapsed, afterKill));
            }
        })).ToArray();
        await WaitUntilAsync(() => answers.Count(a => a.Source == "model") >= 8, "model answers before the kill");
        await scoring.KillHardAsync();
        Volatile.Write(ref killed, true);
        await WaitUntilAsync(() => answers.Count(a => a.AfterKill && a.Source == "popularity-fallback") >= 8, "fallback answers after the kill");
        await stop.CancelAsync();
        await Task.WhenAll(callers);

        var all = answers.ToArray();
        Assert.All(all, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.All(all, a => Assert.Contains(a.Source, new[] { "model", "popularity-fallback" }));
        // Without the bounds a call in flight to the dead silo waits until membership declares it dead or Orleans'
        // 30 s response timeout; with them every request ends within Api:RecommendationTimeout (plus a loaded machine's slack).
        var slowest = all.Max(a => a.Took);
        Assert.True(slowest < recommendationTimeout + TimeSpan.FromSeconds(4), $"the slowest request took {slowest.TotalSeconds:F1} s");

        // A new scoring node joins: the model ranks again.
        await using var replacement = await ServerProcess.StartAsync(dataDir, ScoringSettings(), "scoring");
        await WaitForSourceAsync(api, users[0], "model", failures);
        Assert.Empty(failures);
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(90), $"no {what} within 90 s");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task AnApiNodeWithoutScoringAnswers503WithRetryAfterWhenConfiguredSo()
    {
        var dataDir = Path.Combine(_root, "data");
        var data = await TestModels.RegisterTwoVersionsAsync(_root, dataDir);
        var settings = HostFixture.TestSettings();
        settings["Models:PollInterval"] = "00:00:00.200";
        settings["Api:ScoringUnavailable"] = "unavailable";
        await using var api = await ServerProcess.StartAsync(dataDir, settings, "api");
        (await api.Http.PostAsync("/v1/admin/models/v1:promote", TestClients.EmptyJson())).EnsureSuccessStatusCode();

        var readiness = await api.Http.GetFromJsonAsync<JsonElement>("/readyz");
        Assert.Equal("degraded", readiness.GetProperty("status").GetString());
        Assert.Contains("'scoring' role", readiness.GetProperty("degraded")[0].GetString(), StringComparison.Ordinal);

        HttpResponseMessage response;
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            // Popularity (no model loaded yet) until the watcher has loaded v1; then the model path finds no scoring silo.
            response = await api.Http.GetAsync($"/v1/users/{data.UserIds[0]}/recommendations?count=5");
            if (response.StatusCode != HttpStatusCode.OK || waited.Elapsed > TimeSpan.FromSeconds(60))
            {
                break;
            }

            response.Dispose();
            await Task.Delay(100);
        }

        using (response)
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "503 without a Retry-After");
            Assert.Contains("scoring", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }
}
