using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace RecoGrid.Cli.Tests;

[Collection(HostCollection.Name)]
public sealed class ApiTests(HostFixture host)
{
    private HttpClient Http => host.Http;

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static object Ev(string user, string item, string type = "view", double? value = null, string? timestamp = null) =>
        new { userId = user, itemId = item, type, value, timestamp };

    private async Task<JsonElement> GetJson(string path)
    {
        using var response = await Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<JsonElement> AssertProblem(HttpResponseMessage response, HttpStatusCode status, string? field = null)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        if (field is not null)
        {
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out var reasons), $"no error for '{field}' in {problem}");
            Assert.NotEmpty(reasons.EnumerateArray().Select(r => r.GetString()));
        }

        return problem;
    }

    [Fact]
    public async Task PostedEventsAreAcknowledgedAndThenRecommendedAsPopularToOtherUsers()
    {
        var category = NewId("cat");
        var hot = category + "-hot";
        var warm = category + "-warm";
        using (var put = await Http.PostAsJsonAsync("/v1/items:batch", new { items = new[] { new { itemId = hot, categories = new[] { category } }, new { itemId = warm, categories = new[] { category } } } }))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        using var response = await Http.PostAsJsonAsync("/v1/events", new
        {
            events = new[] { Ev(NewId("u"), hot, "purchase"), Ev(NewId("u"), hot, "view"), Ev(NewId("u"), warm, "view") },
        });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(3, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("accepted").GetInt32());

        var recs = await GetJson($"/v1/users/{NewId("newcomer")}/recommendations?count=5&category={category}");
        Assert.Equal("popularity", recs.GetProperty("source").GetString());
        Assert.Equal(JsonValueKind.Null, recs.GetProperty("modelVersion").ValueKind);
        Assert.Equal([hot, warm], recs.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemId").GetString()!).ToArray());
        Assert.True(recs.GetProperty("items")[0].GetProperty("score").GetDouble() > recs.GetProperty("items")[1].GetProperty("score").GetDouble());
    }

    [Fact]
    public async Task ABareArrayOfEventsIsAcceptedAndConfiguredTypesWork()
    {
        var user = NewId("u");
        using var response = await Http.PostAsync("/v1/events", Json($$"""[{"userId":"{{user}}","itemId":"i1","type":"share"},{"userId":"{{user}}","itemId":"i2","type":"rating","value":4.5}]"""));
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var summary = await GetJson($"/v1/users/{user}");
        Assert.Equal(2, summary.GetProperty("totalEvents").GetInt64());
        Assert.Equal(1, summary.GetProperty("counters").GetProperty("share").GetInt64());
        var recent = summary.GetProperty("recentInteractions").EnumerateArray().ToList();
        Assert.Equal(3, recent.Single(r => r.GetProperty("type").GetString() == "share").GetProperty("weight").GetSingle());
    }

    [Fact]
    public async Task RecommendationsExcludeWhatTheUserHasSeenAndWhatTheCallerExcludes()
    {
        var category = NewId("cat");
        var items = Enumerable.Range(0, 4).Select(i => $"{category}-{i}").ToArray();
        await Http.PostAsJsonAsync("/v1/items:batch", new { items = items.Select(id => new { itemId = id, categories = new[] { category } }) });
        var crowd = items.SelectMany((item, rank) => Enumerable.Range(0, 4 - rank).Select(_ => Ev(NewId("u"), item))).ToArray();
        (await Http.PostAsJsonAsync("/v1/events", new { events = crowd })).EnsureSuccessStatusCode();
        var user = NewId("u");
        (await Http.PostAsJsonAsync("/v1/events", new { events = new[] { Ev(user, items[0]) } })).EnsureSuccessStatusCode();

        var recs = await GetJson($"/v1/users/{user}/recommendations?category={category}&exclude={items[2]}");
        Assert.Equal([items[1], items[3]], recs.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemId").GetString()!).ToArray());
    }

    [Fact]
    public async Task UnavailableItemsAreNeverRecommended()
    {
        var category = NewId("cat");
        (await Http.PostAsJsonAsync("/v1/events", new { events = new[] { Ev(NewId("u"), category + "-a"), Ev(NewId("u"), category + "-b") } })).EnsureSuccessStatusCode();
        (await Http.PutAsJsonAsync($"/v1/items/{category}-a", new { categories = new[] { category }, available = false })).EnsureSuccessStatusCode();
        (await Http.PutAsJsonAsync($"/v1/items/{category}-b", new { categories = new[] { category } })).EnsureSuccessStatusCode();

        var recs = await GetJson($"/v1/users/{NewId("u")}/recommendations?count=500&category={category}");
        Assert.Equal([category + "-b"], recs.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemId").GetString()!).ToArray());
        var global = await GetJson($"/v1/users/{NewId("u")}/recommendations?count=500");
        Assert.DoesNotContain(global.GetProperty("items").EnumerateArray(), i => i.GetProperty("itemId").GetString() == category + "-a");
    }

    [Fact]
    public async Task ItemsCanBePutReadAndUpsertedInBulk()
    {
        var id = NewId("item");
        using var put = await Http.PutAsJsonAsync($"/v1/items/{id}", new { categories = new[] { "books" }, properties = new Dictionary<string, string> { ["title"] = "Dune" } });
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);

        var item = await GetJson($"/v1/items/{id}");
        Assert.Equal("books", item.GetProperty("categories")[0].GetString());
        Assert.True(item.GetProperty("available").GetBoolean());
        Assert.Equal("Dune", item.GetProperty("properties").GetProperty("title").GetString());

        using var missing = await Http.GetAsync($"/v1/items/{NewId("nothing")}");
        await AssertProblem(missing, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task DeletingAUserLeavesAnEmptyUser()
    {
        var user = NewId("u");
        (await Http.PostAsJsonAsync("/v1/events", new { events = new[] { Ev(user, "a"), Ev(user, "b") } })).EnsureSuccessStatusCode();

        using var delete = await Http.DeleteAsync($"/v1/users/{user}");
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);

        var summary = await GetJson($"/v1/users/{user}");
        Assert.False(summary.GetProperty("exists").GetBoolean());
        Assert.Equal(0, summary.GetProperty("totalEvents").GetInt64());
        Assert.Empty(summary.GetProperty("recentInteractions").EnumerateArray());
    }

    [Fact]
    public async Task HealthReadinessAndTheOpenApiDocumentAreServed()
    {
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync("/healthz")).StatusCode);
        using var readiness = await Readiness.WaitAsync(Http);
        var ready = await readiness.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("ready", ready.GetProperty("status").GetString());

        var openApi = await GetJson("/openapi/v1.json");
        var paths = openApi.GetProperty("paths");
        foreach (var path in new[] { "/v1/events", "/v1/users/{userId}/recommendations", "/v1/users/{userId}", "/v1/items/{itemId}", "/v1/items:batch" })
        {
            Assert.True(paths.TryGetProperty(path, out _), $"OpenAPI lacks {path}");
        }
    }
}
