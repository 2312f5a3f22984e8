using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using RecoGrid.Cli.Hosting;
using RecoGrid.Training.Synthetic;

namespace RecoGrid.Cli.Tests;

/// <summary>One real host serving a model trained on planted clusters (v1 promoted), shared by <see cref="PersonalizationTests"/>.</summary>
public sealed class PersonalizationHost : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "recogrid-personal-" + Guid.NewGuid().ToString("N"));
    private WebApplication? _app;

    public HttpClient Http { get; private set; } = null!;

    public Training.Data.InteractionData Data { get; private set; } = null!;

    /// <summary>The planted cluster of each item, by item index (= item id).</summary>
    public int[] ItemClusters { get; private set; } = [];

    public async Task InitializeAsync()
    {
        var dataDir = Path.Combine(_root, "data");
        Data = await TestModels.RegisterTwoVersionsAsync(_root, dataDir);

        // The same seeded options as RegisterTwoVersionsAsync, to read the clusters it planted.
        ItemClusters = SyntheticGenerator.Generate(new SyntheticOptions { Users = 300, Items = 120, Interactions = 6_000 + 1_200, Seed = 5, Clusters = 6 }).ItemClusters;
        var port = TestPorts.Next();
        var settings = HostFixture.TestSettings();
        settings["Models:PollInterval"] = "00:00:00.200";
        _app = ServeHost.Build(new ServeSettings { Urls = $"http://127.0.0.1:{port}", DataDir = dataDir, Overrides = settings });
        await _app.StartAsync();
        Http = TestClients.Admin(port, dataDir);
        using var response = await Http.PostAsync("/v1/admin/models/v1:promote", TestClients.EmptyJson());
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        Directory.Delete(_root, recursive: true);
    }
}

/// <summary>Similar items, explanations and exploration slots through the real host with a trained model.</summary>
public sealed class PersonalizationTests(PersonalizationHost host) : IClassFixture<PersonalizationHost>
{
    private HttpClient Http => host.Http;

    private async Task<JsonElement> Get(string path)
    {
        using var response = await Http.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement;
    }

    private static JsonElement[] Items(JsonElement reply) => [.. reply.GetProperty("items").EnumerateArray()];

    private static bool Flagged(JsonElement item, string name) => item.TryGetProperty(name, out var flag) && flag.GetBoolean();

    [Fact]
    public async Task SimilarItemsOfAnItemComeFromItsPlantedCluster()
    {
        var same = 0;
        var total = 0;
        for (var item = 0; item < 120; item += 3)
        {
            var reply = await Get($"/v1/items/{item}/similar?count=5");
            Assert.Equal("v1", reply.GetProperty("modelVersion").GetString());
            var similar = Items(reply).Select(i => int.Parse(i.GetProperty("itemId").GetString()!, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.Equal(5, similar.Length);
            Assert.DoesNotContain(item, similar);
            var scores = Items(reply).Select(i => i.GetProperty("score").GetDouble()).ToArray();
            Assert.Equal(scores.OrderByDescending(s => s), scores);
            same += similar.Count(s => host.ItemClusters[s] == host.ItemClusters[item]);
            total += similar.Length;
        }

        // Six planted clusters: by chance about one neighbour in six would share the item's cluster.
        Assert.True(same >= total * 0.6, $"{same} of {total} similar items share the item's planted cluster");
    }

    [Fact]
    public async Task SimilarItemsKeepTheCategoryAndLeaveOutUnavailableItems()
    {
        var before = Items(await Get("/v1/items/10/similar?count=3")).Select(i => i.GetProperty("itemId").GetString()!).ToArray();
        (await Http.PutAsJsonAsync($"/v1/items/{before[0]}", new { available = false })).EnsureSuccessStatusCode();
        var odd = Enumerable.Range(0, 120).Where(i => i % 2 == 1).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        (await Http.PostAsJsonAsync("/v1/items:batch", new { items = odd.Select(id => new { itemId = id, categories = new[] { "odd" }, available = id != before[0] }) })).EnsureSuccessStatusCode();

        var after = Items(await Get("/v1/items/10/similar?count=3")).Select(i => i.GetProperty("itemId").GetString()!).ToArray();
        var category = Items(await Get("/v1/items/10/similar?count=20&category=odd")).Select(i => i.GetProperty("itemId").GetString()!).ToArray();

        Assert.DoesNotContain(before[0], after);
        Assert.Equal(20, category.Length);
        Assert.All(category, id => Assert.Contains(id, odd));
        Assert.DoesNotContain(before[0], category);
        (await Http.PutAsJsonAsync($"/v1/items/{before[0]}", new { available = true, categories = int.Parse(before[0], System.Globalization.CultureInfo.InvariantCulture) % 2 == 1 ? new[] { "odd" } : [] })).EnsureSuccessStatusCode();
    }

    [Fact]
    public async Task SimilarItemsAnswer404ForAnItemTheModelDoesNotKnowAnd400ForABadCount()
    {
        using var unknown = await Http.GetAsync("/v1/items/no-such-item/similar");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        Assert.Contains("v1", await unknown.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        foreach (var count in new[] { "0", "-3", "100000" })
        {
            using var bad = await Http.GetAsync($"/v1/items/5/similar?count={count}");
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            var problem = await bad.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(problem.GetProperty("errors").TryGetProperty("count", out _), problem.ToString());
        }
    }

    [Fact]
    public async Task ExplanationsNameTheUsersOwnItemsAndSumToTheScore()
    {
        var user = "explained-" + Guid.NewGuid().ToString("N");
        string[] seen = ["0", "6", "12"];
        (await Http.PostAsJsonAsync("/v1/events", new { events = seen.Select(i => new { userId = user, itemId = i, type = "purchase" }) })).EnsureSuccessStatusCode();

        var reply = await Get($"/v1/users/{user}/recommendations?count=10&explain=true");

        Assert.Equal("model", reply.GetProperty("source").GetString());
        Assert.Equal("fold-in", reply.GetProperty("explanationBasis").GetString());
        var explained = Items(reply).Where(i => !Flagged(i, "coldStart") && !Flagged(i, "exploration")).ToArray();
        Assert.NotEmpty(explained);
        foreach (var item in explained)
        {
            var shares = item.GetProperty("explanation").EnumerateArray().ToArray();
            Assert.Equal(seen.Length, shares.Length);
            Assert.All(shares, s => Assert.Contains(s.GetProperty("itemId").GetString(), seen));
            var values = shares.Select(s => s.GetProperty("contribution").GetDouble()).ToArray();
            Assert.Equal(values.OrderByDescending(v => v), values);

            // Three items in the history, all listed: the decomposition is exact, so they sum to the served score.
            var score = item.GetProperty("score").GetDouble();
            Assert.True(Math.Abs(values.Sum() - score) <= 1e-4 * Math.Max(1, Math.Abs(score)), $"{values.Sum()} vs {score}");
        }

        var plain = await Get($"/v1/users/{user}/recommendations?count=10");
        Assert.All(Items(plain), i => Assert.False(i.TryGetProperty("explanation", out _)));
        Assert.False(plain.TryGetProperty("explanationBasis", out _));
    }

    [Fact]
    public async Task ATrainedUsersExplanationSaysItDecomposesTheLiveHistory()
    {
        var reply = await Get($"/v1/users/{host.Data.UserIds[4]}/recommendations?count=5&explain=true");

        Assert.Equal("model", reply.GetProperty("source").GetString());
        Assert.Equal("live-history", reply.GetProperty("explanationBasis").GetString());
    }

    [Fact]
    public async Task ACataloguedItemWithoutFactorsGetsAnExplorationSlot()
    {
        var fresh = "fresh-" + Guid.NewGuid().ToString("N");
        (await Http.PutAsJsonAsync($"/v1/items/{fresh}", new { categories = new[] { "new" } })).EnsureSuccessStatusCode();

        var reply = await Get($"/v1/users/{host.Data.UserIds[2]}/recommendations?count=10");
        var items = Items(reply);

        Assert.Equal("model", reply.GetProperty("source").GetString());
        Assert.Equal(10, items.Length);
        var explored = Assert.Single(items, i => Flagged(i, "exploration"));
        Assert.Equal(fresh, explored.GetProperty("itemId").GetString());
        Assert.Equal(9, Array.FindIndex(items, i => Flagged(i, "exploration")));
        Assert.All(items.Take(9), i => Assert.False(i.TryGetProperty("exploration", out _)));

        using var similar = await Http.GetAsync($"/v1/items/{fresh}/similar");
        Assert.Equal(HttpStatusCode.NotFound, similar.StatusCode);
    }
}
