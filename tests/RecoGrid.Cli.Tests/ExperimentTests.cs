using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using RecoGrid.Abstractions;
using RecoGrid.Cli.Hosting;
using RecoGrid.Server.Experiments;
using RecoGrid.Training.Data;

namespace RecoGrid.Cli.Tests;

/// <summary>A real node with two registered model versions (v1 promoted, v2 a candidate), shared by the experiment tests.</summary>
public sealed class ExperimentHostFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "recogrid-experiments-" + Guid.NewGuid().ToString("N"));

    public HttpClient Http { get; private set; } = null!;

    public InteractionData Data { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var dataDir = Path.Combine(Root, "data");
        Data = await TestModels.RegisterTwoVersionsAsync(Root, dataDir);
        var port = TestPorts.Next();
        _app = ServeHost.Build(new ServeSettings { Urls = $"http://127.0.0.1:{port}", DataDir = dataDir, Overrides = HostFixture.TestSettings() });
        await _app.StartAsync();
        Http = TestClients.Admin(port, dataDir);
        (await Http.PostAsync("/v1/admin/models/v1:promote", TestClients.EmptyJson())).EnsureSuccessStatusCode();
    }

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        Directory.Delete(Root, recursive: true);
    }
}

/// <summary>A/B experiments end to end: definition rules, assignment, ranking per variant, attribution, results.</summary>
public sealed class ExperimentTests(ExperimentHostFixture host) : IClassFixture<ExperimentHostFixture>
{
    private HttpClient Http => host.Http;

    internal static object FiftyFifty(string name) => new
    {
        name,
        variants = new[] { new { name = "control", modelVersion = "v1", share = 0.5 }, new { name = "candidate", modelVersion = "v2", share = 0.5 } },
    };

    private async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static string[] Fields(JsonElement problem) => [.. problem.GetProperty("errors").EnumerateObject().Select(p => p.Name)];

    [Fact]
    public async Task ExperimentsWithUnknownVersionsBadSharesOrDuplicateVariantNamesAreRefusedNamingTheField()
    {
        var unknown = await Problem(await Http.PostAsJsonAsync("/v1/admin/experiments", new
        {
            name = "bad-version",
            variants = new[] { new { name = "a", modelVersion = "v1", share = 0.5 }, new { name = "b", modelVersion = "v404", share = 0.5 } },
        }), HttpStatusCode.BadRequest);
        Assert.Equal(["variants[1].modelVersion"], Fields(unknown));
        Assert.Contains("v404", unknown.GetProperty("errors").GetProperty("variants[1].modelVersion")[0].GetString(), StringComparison.Ordinal);

        var shares = await Problem(await Http.PostAsJsonAsync("/v1/admin/experiments", new
        {
            name = "bad-shares",
            variants = new[] { new { name = "a", modelVersion = "v1", share = 0.5 }, new { name = "b", modelVersion = "v2", share = 0.4 } },
        }), HttpStatusCode.BadRequest);
        Assert.Equal(["variants"], Fields(shares));

        var negative = await Problem(await Http.PostAsJsonAsync("/v1/admin/experiments", new
        {
            name = "negative-share",
            variants = new[] { new { name = "a", modelVersion = "v1", share = 1.5 }, new { name = "b", modelVersion = "v2", share = -0.5 } },
        }), HttpStatusCode.BadRequest);
        Assert.Contains("variants[1].share", Fields(negative));

        var duplicate = await Problem(await Http.PostAsJsonAsync("/v1/admin/experiments", new
        {
            name = "duplicate-variants",
            variants = new[] { new { name = "a", modelVersion = "v1", share = 0.5 }, new { name = "a", modelVersion = "v2", share = 0.5 } },
        }), HttpStatusCode.BadRequest);
        Assert.Equal(["variants[1].name"], Fields(duplicate));

        var single = await Problem(await Http.PostAsJsonAsync("/v1/admin/experiments", new { name = "one", variants = new[] { new { name = "a", modelVersion = "v1", share = 1.0 } } }), HttpStatusCode.BadRequest);
        Assert.Equal(["variants"], Fields(single));

        var listed = await Http.GetFromJsonAsync<JsonElement>("/v1/admin/experiments");
        var names = listed.GetProperty("experiments").EnumerateArray().Select(e => e.GetProperty("name").GetString()).ToList();
        Assert.DoesNotContain("bad-version", names);
        Assert.DoesNotContain("bad-shares", names);
        await Problem(await Http.GetAsync("/v1/experiments/exp-000000000000"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A5050ExperimentSplitsUsersStablyRanksEachWithItsVersionAndCountsEventsToTheRightVariant()
    {
        using var created = await Http.PostAsJsonAsync("/v1/admin/experiments", FiftyFifty("v2-vs-v1"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var experiment = await created.Content.ReadFromJsonAsync<JsonElement>();
        var experimentId = experiment.GetProperty("experimentId").GetString()!;
        Assert.Equal("running", experiment.GetProperty("status").GetString());
        var definition = new ExperimentDefinition(experimentId, "v2-vs-v1", [new("control", "v1", 0.5), new("candidate", "v2", 0.5)], DateTimeOffset.UnixEpoch, null);

        // One experiment at a time.
        await Problem(await Http.PostAsJsonAsync("/v1/admin/experiments", FiftyFifty("second")), HttpStatusCode.Conflict);

        var impressions = new Dictionary<string, int> { ["control"] = 0, ["candidate"] = 0 };
        var served = new Dictionary<string, (string Variant, string RecommendationId)>();
        foreach (var user in host.Data.UserIds.Take(200))
        {
            var recs = await Http.GetFromJsonAsync<JsonElement>($"/v1/users/{Uri.EscapeDataString(user)}/recommendations?count=5");
            var variant = recs.GetProperty("variant").GetString()!;
            Assert.Equal(experimentId, recs.GetProperty("experimentId").GetString());
            Assert.Equal(definition.Variants[ExperimentAssignment.Assign(definition, user)].Name, variant);
            Assert.Equal("model", recs.GetProperty("source").GetString());
            Assert.Equal(variant == "control" ? "v1" : "v2", recs.GetProperty("modelVersion").GetString());
            var recommendationId = recs.GetProperty("recommendationId").GetString()!;
            Assert.StartsWith(experimentId + ".", recommendationId, StringComparison.Ordinal);
            served[user] = (variant, recommendationId);
            impressions[variant]++;
        }

        // Roughly by share (the binomial standard deviation is about 7 users), and stable on every request.
        Assert.InRange(impressions["control"], 65, 135);
        foreach (var user in host.Data.UserIds.Take(20))
        {
            var again = await Http.GetFromJsonAsync<JsonElement>($"/v1/users/{Uri.EscapeDataString(user)}/recommendations?count=5");
            Assert.Equal(served[user].Variant, again.GetProperty("variant").GetString());
            impressions[served[user].Variant]++;
        }

        // Control users click; candidate users view and buy. Events without a recommendationId count nowhere.
        var events = served.SelectMany(p => p.Value.Variant == "control"
            ? new[] { new { userId = p.Key, itemId = host.Data.ItemIds[0], type = "click", recommendationId = (string?)p.Value.RecommendationId } }
            : [
                new { userId = p.Key, itemId = host.Data.ItemIds[1], type = "view", recommendationId = (string?)p.Value.RecommendationId },
                new { userId = p.Key, itemId = host.Data.ItemIds[1], type = "purchase", recommendationId = (string?)p.Value.RecommendationId },
                new { userId = p.Key, itemId = host.Data.ItemIds[2], type = "view", recommendationId = (string?)null },
            ]).ToList();
        foreach (var chunk in events.Chunk(100))
        {
            using var posted = await Http.PostAsJsonAsync("/v1/events", new { events = chunk });
            Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        }

        var stats = await Http.GetFromJsonAsync<JsonElement>($"/v1/experiments/{experimentId}");
        var variants = stats.GetProperty("variants").EnumerateArray().ToDictionary(v => v.GetProperty("name").GetString()!);
        var controlUsers = served.Count(p => p.Value.Variant == "control");
        var candidateUsers = served.Count - controlUsers;
        Assert.Equal(impressions["control"], variants["control"].GetProperty("impressions").GetInt64());
        Assert.Equal(impressions["candidate"], variants["candidate"].GetProperty("impressions").GetInt64());
        Assert.Equal(controlUsers, variants["control"].GetProperty("clicks").GetInt64());
        Assert.Equal(0, variants["control"].GetProperty("conversions").GetInt64());
        Assert.Equal(candidateUsers, variants["candidate"].GetProperty("clicks").GetInt64());
        Assert.Equal(candidateUsers, variants["candidate"].GetProperty("conversions").GetInt64());
        Assert.Equal(candidateUsers, variants["candidate"].GetProperty("events").GetProperty("purchase").GetInt64());
        Assert.Equal((double)controlUsers / impressions["control"], variants["control"].GetProperty("clickRate").GetDouble(), 12);

        var conversion = stats.GetProperty("tests").EnumerateArray().Single(t => t.GetProperty("metric").GetString() == "conversionRate");
        var expected = TwoProportionTest.Of(0, impressions["control"], candidateUsers, impressions["candidate"]);
        Assert.Equal("control", conversion.GetProperty("control").GetString());
        Assert.Equal(expected.Z!.Value, conversion.GetProperty("z").GetDouble(), 9);
        Assert.Equal(expected.PValue!.Value, conversion.GetProperty("pValue").GetDouble(), 12);
        Assert.True(conversion.GetProperty("pValue").GetDouble() < 1e-6);

        // A recommendationId is checked: made up, or served to a user of the other variant, is refused and nothing is recorded.
        var controlUser = served.First(p => p.Value.Variant == "control");
        var candidateUser = served.First(p => p.Value.Variant == "candidate");
        var forged = await Problem(await Http.PostAsJsonAsync("/v1/events", new { events = new[] { new { userId = controlUser.Key, itemId = "x", type = "click", recommendationId = "forged" } } }), HttpStatusCode.BadRequest);
        Assert.Equal(["events[0].recommendationId"], Fields(forged));
        var crossed = await Problem(await Http.PostAsJsonAsync("/v1/events", new { events = new[] { new { userId = controlUser.Key, itemId = "x", type = "click", recommendationId = candidateUser.Value.RecommendationId } } }), HttpStatusCode.BadRequest);
        Assert.Equal(["events[0].recommendationId"], Fields(crossed));

        // Stopped: users get the promoted model without a variant, the results stay, and the name stays taken.
        using var stopped = await Http.PostAsync($"/v1/admin/experiments/{experimentId}:stop", TestClients.EmptyJson());
        Assert.Equal(HttpStatusCode.OK, stopped.StatusCode);
        Assert.Equal("stopped", (await stopped.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString());
        var after = await Http.GetFromJsonAsync<JsonElement>($"/v1/users/{Uri.EscapeDataString(candidateUser.Key)}/recommendations?count=5");
        Assert.Equal(JsonValueKind.Null, after.GetProperty("variant").ValueKind);
        Assert.Equal("v1", after.GetProperty("modelVersion").GetString());
        Assert.Equal(32, after.GetProperty("recommendationId").GetString()!.Length);
        var final = await Http.GetFromJsonAsync<JsonElement>($"/v1/experiments/{experimentId}");
        Assert.Equal(impressions["candidate"], final.GetProperty("variants")[1].GetProperty("impressions").GetInt64());
        await Problem(await Http.PostAsJsonAsync("/v1/admin/experiments", FiftyFifty("v2-vs-v1")), HttpStatusCode.Conflict);
        var one = await Http.GetFromJsonAsync<JsonElement>($"/v1/admin/experiments/{experimentId}");
        Assert.Equal("stopped", one.GetProperty("status").GetString());
    }
}

/// <summary>Experiment definitions and counts are durable: what the results showed is there after a kill -9.</summary>
public sealed class ExperimentRestartTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "recogrid-experiment-restart-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task ExperimentResultsSurviveAKillDashNineAndRestart()
    {
        var dataDir = Path.Combine(_root, "data");
        var data = await TestModels.RegisterTwoVersionsAsync(_root, dataDir);
        var settings = HostFixture.TestSettings();
        string experimentId;
        JsonElement before;
        var variants = new Dictionary<string, string>();
        await using (var server = await ServerProcess.StartAsync(dataDir, settings))
        {
            (await server.Http.PostAsync("/v1/admin/models/v1:promote", TestClients.EmptyJson())).EnsureSuccessStatusCode();
            using var created = await server.Http.PostAsJsonAsync("/v1/admin/experiments", ExperimentTests.FiftyFifty("durable"));
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
            experimentId = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("experimentId").GetString()!;
            foreach (var user in data.UserIds.Take(40))
            {
                var recs = await server.Http.GetFromJsonAsync<JsonElement>($"/v1/users/{Uri.EscapeDataString(user)}/recommendations?count=3");
                variants[user] = recs.GetProperty("variant").GetString()!;
                using var posted = await server.Http.PostAsJsonAsync("/v1/events", new[] { new { userId = user, itemId = data.ItemIds[0], type = "click", recommendationId = recs.GetProperty("recommendationId").GetString() } });
                Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
            }

            // Reading the results flushes this node's counts; what they show is durable.
            before = await server.Http.GetFromJsonAsync<JsonElement>($"/v1/experiments/{experimentId}");
            Assert.Equal(40, before.GetProperty("variants").EnumerateArray().Sum(v => v.GetProperty("impressions").GetInt64()));
            Assert.Equal(40, before.GetProperty("variants").EnumerateArray().Sum(v => v.GetProperty("clicks").GetInt64()));
            await server.KillHardAsync();
        }

        await using var restarted = await ServerProcess.StartAsync(dataDir, settings);
        var after = await restarted.Http.GetFromJsonAsync<JsonElement>($"/v1/experiments/{experimentId}");
        Assert.Equal("running", after.GetProperty("status").GetString());
        Assert.Equal(before.GetProperty("variants").ToString(), after.GetProperty("variants").ToString());
        foreach (var user in data.UserIds.Take(5))
        {
            var recs = await restarted.Http.GetFromJsonAsync<JsonElement>($"/v1/users/{Uri.EscapeDataString(user)}/recommendations?count=3");
            Assert.Equal(variants[user], recs.GetProperty("variant").GetString());
        }
    }
}
