using System.CommandLine;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using RecoGrid.Cli.Commands;
using RecoGrid.Cli.Hosting;
using RecoGrid.Server.Models;
using RecoGrid.Storage.Models;
using RecoGrid.Training.Artifacts;

namespace RecoGrid.Cli.Tests;

/// <summary>
/// A model trained from a file with `recogrid train`, registered and promoted, served by the real host: trained users'
/// training items stay out of their recommendations, and an erased trained user is gone, also after a restart.
/// </summary>
public sealed class TrainedUserServingTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "recogrid-trained-" + Guid.NewGuid().ToString("N"));
    private WebApplication? _app;
    private HttpClient _http = null!;
    private ModelArtifact _artifact = null!;

    private string DataDir => Path.Combine(_root, "data");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_root);
        var input = Path.Combine(_root, "interactions.csv");
        var model = Path.Combine(_root, "model");
        await RunAsync("generate", "--users", "300", "--items", "120", "--interactions", "6000", "--seed", "5", "--clusters", "6", "--out", input);
        await RunAsync("train", "--input", input, "--out", model, "--factors", "8", "--iterations", "3", "--threads", "1");
        _artifact = ModelArtifact.Load(model);
        await new ModelRegistration(new FileModelRegistry(Path.Combine(DataDir, "models"))).AddAsync(model, CancellationToken.None);
        await StartAsync();
        (await _http.PostAsync("/v1/admin/models/v1:promote", TestClients.EmptyJson())).EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(_root, recursive: true);
    }

    private static async Task RunAsync(params string[] args)
    {
        var error = new StringWriter();
        var code = await RecoGridCommands.Build().Parse(args).InvokeAsync(new InvocationConfiguration { Output = new StringWriter(), Error = error });
        Assert.True(code == 0, error.ToString());
    }

    private async Task StartAsync()
    {
        var port = TestPorts.Next();
        var settings = HostFixture.TestSettings();
        settings["Models:PollInterval"] = "00:00:00.200";
        _app = ServeHost.Build(new ServeSettings { Urls = $"http://127.0.0.1:{port}", DataDir = DataDir, Overrides = settings });
        await _app.StartAsync();
        _http = TestClients.Admin(port, DataDir);
        Assert.Equal(HttpStatusCode.OK, (await Readiness.WaitAsync(_http)).StatusCode);
    }

    private async Task StopAsync()
    {
        _http?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
            _app = null;
        }
    }

    private async Task<JsonElement> Recommend(string user, string query)
    {
        using var response = await _http.GetAsync($"/v1/users/{Uri.EscapeDataString(user)}/recommendations?{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Waits for the promoted model (the watcher polls the registry), then answers its ranking.</summary>
    private async Task<JsonElement> RecommendWithModel(string user, string query)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var recs = await Recommend(user, query);
            if (recs.GetProperty("source").GetString() == "model" || waited.Elapsed > TimeSpan.FromSeconds(60))
            {
                return recs;
            }

            await Task.Delay(50);
        }
    }

    private static string[] Items(JsonElement recs) => [.. recs.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemId").GetString()!)];

    private string[] TrainingItems(UserVectorLookup lookup, string user) => [.. lookup.GetHistory(user).Select(row => _artifact.ItemIds[row])];

    [Fact]
    public async Task TrainedUsersNeverGetTheirTrainingItemsBackOnEitherPathUnlessTheyAsk()
    {
        using var lookup = _artifact.OpenUserLookup();
        Assert.True(lookup.HasHistory);
        var (users, _) = _artifact.ReadAllUsers();
        var returnedWhenAsked = 0;
        foreach (var user in users.Take(25))
        {
            var trained = TrainingItems(lookup, user);
            Assert.NotEmpty(trained);
            foreach (var path in new[] { "exact", "ann" })
            {
                var recs = await RecommendWithModel(user, $"count=20&retrieval={path}");
                Assert.Equal("model", recs.GetProperty("source").GetString());
                Assert.Equal(path, recs.GetProperty("retrieval").GetString());
                Assert.Equal(20, Items(recs).Length);
                Assert.Empty(Items(recs).Intersect(trained));
            }

            returnedWhenAsked += Items(await Recommend(user, "count=20&retrieval=exact&excludeSeen=false")).Intersect(trained).Count();
        }

        // iALS ranks a user's own items high, so without the exclusion they come back.
        Assert.True(returnedWhenAsked > 0, "excludeSeen=false returned no training item to 25 users");
    }

    [Fact]
    public async Task AnErasedTrainedUserIsGoneFromRecommendationsAlsoAfterARestart()
    {
        var (users, _) = _artifact.ReadAllUsers();
        var user = users[5];
        Assert.Equal("model", (await RecommendWithModel(user, "count=10")).GetProperty("source").GetString());
        Assert.True((await _http.GetFromJsonAsync<JsonElement>($"/v1/users/{user}")).GetProperty("hasVector").GetBoolean());

        using (var deleted = await _http.DeleteAsync($"/v1/users/{user}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        async Task AssertErased()
        {
            Assert.Equal("model", (await RecommendWithModel(users[6], "count=10")).GetProperty("source").GetString());
            Assert.Equal("popularity", (await Recommend(user, "count=10")).GetProperty("source").GetString());
            Assert.False((await _http.GetFromJsonAsync<JsonElement>($"/v1/users/{user}")).GetProperty("hasVector").GetBoolean());
        }

        await AssertErased();
        await StopAsync();
        await StartAsync();
        await AssertErased();

        // Events after the erasure are a new history: folded in, not the artifact's vector.
        using var lookup = _artifact.OpenUserLookup();
        var fresh = _artifact.ItemIds.Except(TrainingItems(lookup, user)).Take(3).ToArray();
        (await _http.PostAsJsonAsync("/v1/events", new { events = fresh.Select(i => new { userId = user, itemId = i, type = "purchase" }) })).EnsureSuccessStatusCode();
        var recs = await Recommend(user, "count=20");
        Assert.Equal("model", recs.GetProperty("source").GetString());
        Assert.Empty(Items(recs).Intersect(fresh));
    }

    [Fact]
    public async Task AVersionRegisteredAfterAnErasureFromDataThatPredatesItDoesNotServeTheErasedUser()
    {
        var (users, _) = _artifact.ReadAllUsers();
        var (user, witness) = (users[7], users[8]);
        Assert.Equal("model", (await RecommendWithModel(user, "count=10")).GetProperty("source").GetString());
        using (var deleted = await _http.DeleteAsync($"/v1/users/{user}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        // v2 was trained from data that predates the erasure (the same interactions, so it holds the user) and is
        // registered and promoted only now, so the erasure could not name it.
        var model2 = Path.Combine(_root, "model2");
        await RunAsync("train", "--input", Path.Combine(_root, "interactions.csv"), "--out", model2, "--factors", "8", "--iterations", "2", "--threads", "1");
        Assert.Equal("v2", (await new ModelRegistration(new FileModelRegistry(Path.Combine(DataDir, "models"))).AddAsync(model2, CancellationToken.None)).Version);
        // The running node learns of v2 when it next reads the registry (Models:PollInterval).
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            using var promoted = await _http.PostAsync("/v1/admin/models/v2:promote", TestClients.EmptyJson());
            if (promoted.StatusCode != HttpStatusCode.NotFound)
            {
                promoted.EnsureSuccessStatusCode();
                break;
            }

            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(30), "the node never saw v2 in the registry");
            await Task.Delay(100);
        }

        while ((await RecommendWithModel(witness, "count=10")).GetProperty("modelVersion").GetString() != "v2")
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(60), "v2 was not served within a minute");
            await Task.Delay(50);
        }

        Assert.Equal("popularity", (await Recommend(user, "count=10")).GetProperty("source").GetString());
        Assert.False((await _http.GetFromJsonAsync<JsonElement>($"/v1/users/{user}")).GetProperty("hasVector").GetBoolean());
    }
}
