using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;
using RecoGrid.Cli.Hosting;
using RecoGrid.Scoring.Retrieval;
using RecoGrid.Training.Data;

namespace RecoGrid.Cli.Tests;

/// <summary>Two-stage retrieval through the real host: the policy, the response field, the index with the version, filters.</summary>
public sealed class TwoStageServingTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "recogrid-twostage-" + Guid.NewGuid().ToString("N"));
    private readonly List<WebApplication> _apps = [];
    private InteractionData _data = null!;

    private string DataDir => Path.Combine(_root, "data");

    public async Task InitializeAsync() => _data = await TestModels.RegisterTwoVersionsAsync(_root, DataDir);

    public async Task DisposeAsync()
    {
        foreach (var app in _apps)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }

        Directory.Delete(_root, recursive: true);
    }

    /// <summary>A node on the registered versions with <paramref name="threshold"/> as Scoring:AnnThreshold, v1 promoted.</summary>
    private async Task<HttpClient> StartAsync(int? threshold = null)
    {
        var port = TestPorts.Next();
        var settings = HostFixture.TestSettings();
        settings["Models:PollInterval"] = "00:00:00.200";
        if (threshold is { } value)
        {
            settings["Scoring:AnnThreshold"] = value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var app = ServeHost.Build(new ServeSettings { Urls = $"http://127.0.0.1:{port}", DataDir = DataDir, Overrides = settings });
        _apps.Add(app);
        await app.StartAsync();
        var http = TestClients.Admin(port, DataDir);
        using var promoted = await http.PostAsync("/v1/admin/models/v1:promote", TestClients.EmptyJson());
        Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);
        return http;
    }

    private static async Task<JsonElement> Recommend(HttpClient http, string user, string query)
    {
        using var response = await http.GetAsync($"/v1/users/{Uri.EscapeDataString(user)}/recommendations?{query}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static string[] Items(JsonElement recs) => [.. recs.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemId").GetString()!)];

    [Fact]
    public async Task ASmallCatalogueIsScoredExactlyUnlessARequestAsksForTwoStagesAndTheResponseSaysWhich()
    {
        using var http = await StartAsync();
        var user = _data.UserIds[3];

        var exact = await Recommend(http, user, "count=10");
        var twoStage = await Recommend(http, user, "count=10&retrieval=ann");
        var askedExact = await Recommend(http, user, "count=10&retrieval=exact");

        Assert.Equal("model", exact.GetProperty("source").GetString());
        Assert.Equal("exact", exact.GetProperty("retrieval").GetString());
        Assert.Equal("ann", twoStage.GetProperty("retrieval").GetString());
        Assert.Equal("exact", askedExact.GetProperty("retrieval").GetString());
        Assert.Equal(Items(exact), Items(twoStage));
        var popular = await Recommend(http, "nobody-" + Guid.NewGuid().ToString("N"), "count=5&retrieval=ann");
        Assert.Equal(JsonValueKind.Null, popular.GetProperty("retrieval").ValueKind);
    }

    [Fact]
    public async Task ACatalogueAtTheConfiguredSizeIsRankedInTwoStagesByDefault()
    {
        using var http = await StartAsync(threshold: _data.ItemIds.Count());

        var recs = await Recommend(http, _data.UserIds[4], "count=10");
        var exact = await Recommend(http, _data.UserIds[4], "count=10&retrieval=exact");

        Assert.Equal("ann", recs.GetProperty("retrieval").GetString());
        Assert.Equal("exact", exact.GetProperty("retrieval").GetString());
        Assert.Equal(Items(exact), Items(recs));
    }

    [Fact]
    public async Task AnUnknownRetrievalIsABadRequestNamingTheField()
    {
        using var http = await StartAsync();

        using var response = await http.GetAsync($"/v1/users/{_data.UserIds[0]}/recommendations?retrieval=fast");
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("exact or ann", problem.GetProperty("errors").GetProperty("retrieval")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task EachVersionCarriesItsIndexOnDiskWithItsParametersInTheRegistry()
    {
        using var http = await StartAsync();

        var registry = await http.GetFromJsonAsync<JsonElement>("/v1/admin/models");
        var v1 = registry.GetProperty("versions").EnumerateArray().First(v => v.GetProperty("version").GetString() == "v1");
        var index = v1.GetProperty("annIndex");
        var scoring = Path.Combine(DataDir, "models", "v1", "scoring");

        Assert.Equal(AnnIndexParameters.AugmentedL2, index.GetProperty("metric").GetString());
        Assert.Equal(AnnIndexParameters.Default.Connectivity, index.GetProperty("connectivity").GetInt32());
        Assert.Equal(new FileInfo(Path.Combine(scoring, AnnIndex.FileName)).Length, index.GetProperty("fileBytes").GetInt64());
        Assert.Equal(_data.ItemIds.Count(), AnnIndexInfo.Read(Path.Combine(scoring, AnnIndex.InfoFileName)).Items);
    }

    [Fact]
    public async Task ACategoryWithFewerItemsThanAskedForGetsEveryOneScoredExactlyInsteadOfStarving()
    {
        using var http = await StartAsync(threshold: 0);
        var rare = _data.ItemIds.Take(3).ToArray();
        using var upsert = await http.PostAsJsonAsync("/v1/items:batch", new { items = rare.Select(id => new { itemId = id, categories = new[] { "rare" } }) });
        Assert.True(upsert.IsSuccessStatusCode);

        var few = await Recommend(http, _data.UserIds[5], "count=10&category=rare&excludeSeen=false");
        var enough = await Recommend(http, _data.UserIds[5], "count=2&category=rare&excludeSeen=false");

        Assert.Equal("exact", few.GetProperty("retrieval").GetString());
        Assert.Equal(rare.Order(), Items(few).Order());
        Assert.Equal("ann", enough.GetProperty("retrieval").GetString());
        Assert.Equal(Items(few).Take(2), Items(enough));
    }

    [Fact]
    public async Task AnInvalidAnnThresholdStopsStartUpNamingTheSetting()
    {
        var settings = HostFixture.TestSettings();
        settings["Scoring:AnnThreshold"] = "-1";
        await using var app = ServeHost.Build(new ServeSettings { Urls = $"http://127.0.0.1:{TestPorts.Next()}", DataDir = Path.Combine(_root, "bad"), Overrides = settings });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("Scoring:AnnThreshold", string.Join(" ", error.Failures), StringComparison.Ordinal);
    }
}
