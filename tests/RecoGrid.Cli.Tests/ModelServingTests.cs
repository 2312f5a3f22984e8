using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using RecoGrid.Cli.Hosting;
using RecoGrid.Server.Models;
using RecoGrid.Scoring;
using RecoGrid.Storage.Models;
using RecoGrid.Training.Artifacts;
using RecoGrid.Training.Data;
using RecoGrid.Training.Models;
using RecoGrid.Training.Synthetic;

namespace RecoGrid.Cli.Tests;

/// <summary>Promoted models served through the real host: trained vectors, fold-in, filters, hot swap under load.</summary>
public sealed class ModelServingTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "recogrid-models-" + Guid.NewGuid().ToString("N"));
    private WebApplication? _app;
    private HttpClient _http = null!;
    private InteractionData _data = null!;

    public async Task InitializeAsync()
    {
        var dataDir = Path.Combine(_root, "data");
        _data = await TestModels.RegisterTwoVersionsAsync(_root, dataDir);

        var port = TestPorts.Next();
        var settings = HostFixture.TestSettings();
        settings["Models:PollInterval"] = "00:00:00.200";
        _app = ServeHost.Build(new ServeSettings { Urls = $"http://127.0.0.1:{port}", DataDir = dataDir, Overrides = settings });
        await _app.StartAsync();
        _http = TestClients.Admin(port, dataDir);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        Directory.Delete(_root, recursive: true);
    }

    private async Task<JsonElement> Recommend(string user, string query = "count=10")
    {
        using var response = await _http.GetAsync($"/v1/users/{Uri.EscapeDataString(user)}/recommendations?{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task Promote(string version)
    {
        using var response = await _http.PostAsync($"/v1/admin/models/{version}:promote", TestClients.EmptyJson());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private static string[] Items(JsonElement recs) => [.. recs.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemId").GetString()!)];

    [Fact]
    public async Task APromotedModelServesTrainedUsersTheirPersonalRanking()
    {
        Assert.Equal("popularity", (await Recommend(_data.UserIds[0])).GetProperty("source").GetString());

        await Promote("v1");
        var first = await Recommend(_data.UserIds[0]);
        var second = await Recommend(_data.UserIds[1]);

        Assert.Equal("model", first.GetProperty("source").GetString());
        Assert.Equal("v1", first.GetProperty("modelVersion").GetString());
        Assert.Equal(10, Items(first).Length);
        Assert.NotEqual(Items(first), Items(second));
        var scores = first.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("score").GetDouble()).ToArray();
        Assert.Equal(scores.OrderByDescending(s => s), scores);
    }

    [Fact]
    public async Task ANewUserFallsBackToPopularityUntilTheirEventsAreFoldedIn()
    {
        await Promote("v1");
        var newcomer = "newcomer-" + Guid.NewGuid().ToString("N");
        Assert.Equal("popularity", (await Recommend(newcomer)).GetProperty("source").GetString());

        var seen = _data.ItemIds.Take(3).ToArray();
        (await _http.PostAsJsonAsync("/v1/events", new { events = seen.Select(i => new { userId = newcomer, itemId = i, type = "purchase" }) })).EnsureSuccessStatusCode();
        var recs = await Recommend(newcomer, "count=20");

        Assert.Equal("model", recs.GetProperty("source").GetString());
        Assert.Empty(Items(recs).Intersect(seen));
        var user = await _http.GetFromJsonAsync<JsonElement>($"/v1/users/{newcomer}");
        Assert.Equal("v1", user.GetProperty("modelVersion").GetString());
        Assert.True(user.GetProperty("hasVector").GetBoolean());
    }

    [Fact]
    public async Task ModelRankingsHonourCategoriesExclusionsAndAvailability()
    {
        await Promote("v1");
        var user = _data.UserIds[3];
        var unfiltered = Items(await Recommend(user, "count=5"));
        (await _http.PutAsJsonAsync($"/v1/items/{unfiltered[0]}", new { available = false })).EnsureSuccessStatusCode();
        var evens = _data.ItemIds.Where((_, i) => i % 2 == 0).ToArray();
        (await _http.PostAsJsonAsync("/v1/items:batch", new { items = evens.Select(id => new { itemId = id, categories = new[] { "even" }, available = id != unfiltered[0] }) })).EnsureSuccessStatusCode();

        var filtered = Items(await Recommend(user, $"count=5&exclude={unfiltered[1]}"));
        Assert.DoesNotContain(unfiltered[0], filtered);
        Assert.DoesNotContain(unfiltered[1], filtered);
        Assert.Equal(5, filtered.Length);

        var category = await Recommend(user, "count=30&category=even");
        Assert.Equal("model", category.GetProperty("source").GetString());
        Assert.All(Items(category), id => Assert.Contains(id, evens));
        Assert.DoesNotContain(unfiltered[0], Items(category));
        Assert.Equal(30, Items(category).Length);
    }

    private sealed record VersionWaiter(string Version, TaskCompletionSource Seen);

    [Fact]
    public async Task SwappingModelsUnderConcurrentLoadFailsNoRequest()
    {
        await Promote("v1");
        using var stop = new CancellationTokenSource();
        var served = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        VersionWaiter? waiter = null;

        // Each step waits until the load has been served by the version it expects, so every swap happens under load.
        async Task UntilServed(string version)
        {
            var seen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref waiter, new VersionWaiter(version, seen));
            await seen.Task.WaitAsync(TimeSpan.FromSeconds(60));
        }

        var load = Enumerable.Range(0, 8).Select(async worker =>
        {
            for (var i = 0; !stop.IsCancellationRequested && i < 20_000; i++)
            {
                var user = _data.UserIds[(worker * 37 + i) % _data.UserIds.Length];
                using var response = await _http.GetAsync($"/v1/users/{user}/recommendations?count=10");
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    failures.Add($"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
                    continue;
                }

                var body = await response.Content.ReadFromJsonAsync<JsonElement>();
                if (body.GetProperty("source").GetString() != "model" || Items(body).Length != 10)
                {
                    failures.Add(body.ToString());
                }

                var version = body.GetProperty("modelVersion").GetString()!;
                served.AddOrUpdate(version, 1, (_, n) => n + 1);
                if (Volatile.Read(ref waiter) is { } w && w.Version == version)
                {
                    w.Seen.TrySetResult();
                }
            }
        }).ToList();

        await UntilServed("v1");
        foreach (var (step, expected) in new[] { ("v2", "v2"), ("rollback", "v1"), ("v2", "v2") })
        {
            using var response = step == "rollback" ? await _http.PostAsync("/v1/admin/models:rollback", TestClients.EmptyJson()) : await _http.PostAsync($"/v1/admin/models/{step}:promote", TestClients.EmptyJson());
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await UntilServed(expected);
        }

        await stop.CancelAsync();
        await Task.WhenAll(load);

        Assert.Empty(failures);
        Assert.True(served["v1"] > 0 && served["v2"] > 0);
        Assert.Equal("v2", (await Recommend(_data.UserIds[7])).GetProperty("modelVersion").GetString());
    }
}

/// <summary>Small trained models for serving tests.</summary>
internal static class TestModels
{
    /// <summary>Trains two models (seeds 1 and 2) on one synthetic data set and registers them as v1 and v2 under <paramref name="dataDir"/>.</summary>
    public static async Task<InteractionData> RegisterTwoVersionsAsync(string root, string dataDir, int items = 120)
    {
        var data = SyntheticGenerator.Generate(new SyntheticOptions { Users = 300, Items = items, Interactions = 6_000 + (items * 10), Seed = 5, Clusters = 6 }).ToInteractionData();
        var registry = new FileModelRegistry(Path.Combine(dataDir, "models"));
        foreach (var seed in new[] { 1, 2 })
        {
            var artifactDir = Path.Combine(root, $"artifact-{seed}");
            var model = IalsModel.Fit(data.UserItems, new IalsOptions { Factors = 8, Iterations = 4, Threads = 1, Seed = seed, ComputeLoss = false });
            ModelArtifact.Write(artifactDir, new ModelArtifactContent
            {
                Factors = model.Factors,
                ItemIds = data.ItemIds,
                ItemFactors = model.ItemFactors,
                UserIds = data.UserIds,
                UserFactors = model.UserFactors,
                Training = new JsonObject { ["alpha"] = 1.0, ["lambda"] = 0.1, ["reg_exponent"] = 0.0 },
            });
            await new ModelRegistration(registry).AddAsync(artifactDir, CancellationToken.None);
        }

        return data;
    }
}

public sealed class ScoringBackpressureTests
{
    [Fact]
    public async Task ASaturatedScoringQueueAnswers503WithRetryAfterAndNeverFailsOtherwise()
    {
        var root = Path.Combine(Path.GetTempPath(), "recogrid-backpressure-" + Guid.NewGuid().ToString("N"));
        var dataDir = Path.Combine(root, "data");
        var data = await TestModels.RegisterTwoVersionsAsync(root, dataDir);
        var settings = HostFixture.TestSettings();
        settings["Scoring:QueueCapacity"] = "1";
        settings["Scoring:MaxBatchSize"] = "1";
        var port = TestPorts.Next();
        await using var app = ServeHost.Build(new ServeSettings { Urls = $"http://127.0.0.1:{port}", DataDir = dataDir, Overrides = settings });
        await app.StartAsync();
        using var http = TestClients.Admin(port, dataDir);
        (await http.PostAsync("/v1/admin/models/v1:promote", TestClients.EmptyJson())).EnsureSuccessStatusCode();

        var refused = 0;
        var served = 0;
        for (var burst = 0; burst < 20 && refused == 0; burst++)
        {
            var responses = await Task.WhenAll(Enumerable.Range(0, 64).Select(i =>
                http.GetAsync($"/v1/users/{data.UserIds[(burst * 64 + i) % data.UserIds.Length]}/recommendations?count=10")));
            foreach (var response in responses)
            {
                if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                {
                    refused++;
                    Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                    Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "503 without a Retry-After");
                }
                else
                {
                    Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                    served++;
                }

                response.Dispose();
            }
        }

        Assert.True(refused > 0, "a queue of one never refused a request in 20 bursts of 64");
        Assert.True(served > 0);
        await app.StopAsync();
        Directory.Delete(root, recursive: true);
    }
}

public sealed class ScoringStartupTests
{
    [Fact]
    public async Task CudaWithoutTheGpuBuildFailsStartupWithAMessageNamingTheFix()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "recogrid-cuda-" + Guid.NewGuid().ToString("N"));
        var settings = HostFixture.TestSettings();
        settings["Scoring:ExecutionProvider"] = "Cuda";
        await using var app = ServeHost.Build(new ServeSettings { Urls = $"http://127.0.0.1:{TestPorts.Next()}", DataDir = dataDir, Overrides = settings });

        var error = await Assert.ThrowsAsync<ExecutionProviderUnavailableException>(() => app.StartAsync());

        Assert.Contains("-p:OnnxRuntimeFlavor=Gpu", error.Message, StringComparison.Ordinal);
        Assert.Contains("Scoring:AllowCpuFallback=true", error.Message, StringComparison.Ordinal);
        Directory.Delete(dataDir, recursive: true);
    }

    [Fact]
    public async Task CudaWithCpuFallbackAllowedStartsOnTheCpu()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "recogrid-cuda-" + Guid.NewGuid().ToString("N"));
        var settings = HostFixture.TestSettings();
        settings["Scoring:ExecutionProvider"] = "Cuda";
        settings["Scoring:AllowCpuFallback"] = "true";
        var port = TestPorts.Next();
        await using var app = ServeHost.Build(new ServeSettings { Urls = $"http://127.0.0.1:{port}", DataDir = dataDir, Overrides = settings });

        await app.StartAsync();
        using var http = TestClients.Admin(port, dataDir);
        Assert.Equal(HttpStatusCode.OK, (await Readiness.WaitAsync(http)).StatusCode);
        await app.StopAsync();
        Directory.Delete(dataDir, recursive: true);
    }
}
