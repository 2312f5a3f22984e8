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
