using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace RecoGrid.Cli.Tests;

/// <summary>Every endpoint rejects bad input with problem+json naming the field, and writes nothing.</summary>
[Collection(HostCollection.Name)]
public sealed class BadInputTests(HostFixture host)
{
    private HttpClient Http => host.Http;

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private async Task<JsonElement> Problem(HttpResponseMessage response, HttpStatusCode status, string? field)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        if (field is not null)
        {
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"no error for '{field}' in {problem}");
        }

        return problem;
    }

    private async Task<long> TotalEvents(string user)
    {
        var summary = await Http.GetFromJsonAsync<JsonElement>($"/v1/users/{user}");
        return summary.GetProperty("totalEvents").GetInt64();
    }

    public static TheoryData<string, string> BadEvents => new()
    {
        { """{"userId":"U","itemId":"i","type":"teleport"}""", "events[1].type" },
        { """{"userId":"U","itemId":"i"}""", "events[1].type" },
        { """{"userId":"","itemId":"i","type":"view"}""", "events[1].userId" },
        { """{"itemId":"i","type":"view"}""", "events[1].userId" },
        { $$"""{"userId":"U","itemId":"{{new string('x', 257)}}","type":"view"}""", "events[1].itemId" },
        { """{"userId":"U","itemId":"a\u0001b","type":"view"}""", "events[1].itemId" },
        { """{"userId":"U","itemId":"i","type":"rating"}""", "events[1].value" },
        { """{"userId":"U","itemId":"i","type":"rating","value":7}""", "events[1].value" },
        { """{"userId":"U","itemId":"i","type":"view","value":-1}""", "events[1].value" },
        { """{"userId":"U","itemId":"i","type":"view","timestamp":"2999-01-01T00:00:00Z"}""", "events[1].timestamp" },
    };

    [Theory]
    [MemberData(nameof(BadEvents))]
    public async Task ABatchWithOneBadEventIsRejectedWhole(string badEvent, string field)
    {
        var user = NewId("u");
        var body = $$"""{"events":[{"userId":"{{user}}","itemId":"good","type":"view"},{{badEvent.Replace("\"U\"", $"\"{user}\"", StringComparison.Ordinal)}}]}""";

        using var response = await Http.PostAsync("/v1/events", Json(body));

        await Problem(response, HttpStatusCode.BadRequest, field);
        Assert.Equal(0, await TotalEvents(user));
    }

    [Fact]
    public async Task MalformedJsonIsRejectedWithAClearReason()
    {
        using var response = await Http.PostAsync("/v1/events", Json("""{"events":[{"userId":"u","itemId":"i","type":"view"},"""));
        var problem = await Problem(response, HttpStatusCode.BadRequest, null);
        Assert.Contains("malformed JSON", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AWronglyTypedFieldIsRejected()
    {
        using var response = await Http.PostAsync("/v1/events", Json("""{"events":[{"userId":"u","itemId":"i","type":"view","value":"lots"}]}"""));
        await Problem(response, HttpStatusCode.BadRequest, null);
    }

    [Fact]
    public async Task AnEmptyBatchIsRejected()
    {
        using var response = await Http.PostAsync("/v1/events", Json("""{"events":[]}"""));
        await Problem(response, HttpStatusCode.BadRequest, "events");
    }

    [Fact]
    public async Task ABatchOverTheConfiguredSizeIsRejectedWhole()
    {
        var user = NewId("u");
        var events = Enumerable.Range(0, 101).Select(i => new { userId = user, itemId = "i" + i, type = "view" });
        using var response = await Http.PostAsJsonAsync("/v1/events", new { events });
        var problem = await Problem(response, HttpStatusCode.BadRequest, "events");
        Assert.Contains("Api:MaxEventBatchSize", problem.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(0, await TotalEvents(user));
    }

    [Fact]
    public async Task AnOversizedBodyIsRejectedWith413()
    {
        var user = NewId("u");
        var padding = new string('p', 70_000);
        using var response = await Http.PostAsync("/v1/events", Json($$"""{"events":[{"userId":"{{user}}","itemId":"i","type":"view"}],"pad":"{{padding}}"}"""));
        await Problem(response, HttpStatusCode.RequestEntityTooLarge, null);
        Assert.Equal(0, await TotalEvents(user));
    }

    [Theory]
    [InlineData("count=0", "count")]
    [InlineData("count=501", "count")]
    public async Task RecommendationCountsOutOfRangeAreRejected(string query, string field)
    {
        using var response = await Http.GetAsync($"/v1/users/someone/recommendations?{query}");
        await Problem(response, HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task AnOverlongUserIdIsRejectedOnEveryUserEndpoint()
    {
        var longId = new string('u', 300);
        await Problem(await Http.GetAsync($"/v1/users/{longId}/recommendations"), HttpStatusCode.BadRequest, "userId");
        await Problem(await Http.GetAsync($"/v1/users/{longId}"), HttpStatusCode.BadRequest, "userId");
        await Problem(await Http.DeleteAsync($"/v1/users/{longId}"), HttpStatusCode.BadRequest, "userId");
    }

    [Fact]
    public async Task AnItemWhoseBodyNamesAnotherIdIsRejectedAndNotWritten()
    {
        var id = NewId("item");
        using var response = await Http.PutAsync($"/v1/items/{id}", Json("""{"itemId":"other","categories":["x"]}"""));
        await Problem(response, HttpStatusCode.BadRequest, "itemId");
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"/v1/items/{id}")).StatusCode);
    }

    [Fact]
    public async Task AnItemBatchWithOneBadItemWritesNone()
    {
        var good = NewId("item");
        using var response = await Http.PostAsync("/v1/items:batch", Json($$"""{"items":[{"itemId":"{{good}}"},{"itemId":"bad","categories":[""]}]}"""));
        await Problem(response, HttpStatusCode.BadRequest, "items[1].categories[0]");
        Assert.Equal(HttpStatusCode.NotFound, (await Http.GetAsync($"/v1/items/{good}")).StatusCode);
    }

    [Fact]
    public async Task AnItemBatchWithoutIdsIsRejected()
    {
        using var response = await Http.PostAsync("/v1/items:batch", Json("""{"items":[{"categories":["x"]}]}"""));
        await Problem(response, HttpStatusCode.BadRequest, "items[0].itemId");
    }

    [Fact]
    public async Task AnItemPutWithoutABodyIsRejected()
    {
        using var response = await Http.PutAsync($"/v1/items/{NewId("item")}", Json(""));
        await Problem(response, HttpStatusCode.BadRequest, null);
    }

    [Fact]
    public async Task AnOverlongItemIdIsRejectedOnEveryItemEndpoint()
    {
        var longId = new string('i', 300);
        await Problem(await Http.GetAsync($"/v1/items/{longId}"), HttpStatusCode.BadRequest, "itemId");
        await Problem(await Http.PutAsync($"/v1/items/{longId}", Json("{}")), HttpStatusCode.BadRequest, "itemId");
    }

    [Fact]
    public async Task RegisteringAModelFromAMissingFolderIsRejectedAndRegistersNothing()
    {
        using var response = await Http.PostAsync("/v1/admin/models", Json("""{"path":"/nonexistent/recogrid/model"}"""));
        await Problem(response, HttpStatusCode.BadRequest, "path");
        using var empty = await Http.PostAsync("/v1/admin/models", Json("{}"));
        await Problem(empty, HttpStatusCode.BadRequest, "path");

        var models = await Http.GetFromJsonAsync<JsonElement>("/v1/admin/models");
        Assert.Empty(models.GetProperty("versions").EnumerateArray());
    }

    [Fact]
    public async Task RegisteringACorruptArtifactIsRejectedWithTheFileNamedButNoServerPath()
    {
        var name = "corrupt-" + Guid.NewGuid().ToString("N");
        var folder = Path.Combine(host.DataDir, "import", name);
        Directory.CreateDirectory(folder);
        await File.WriteAllTextAsync(Path.Combine(folder, "manifest.json"), "{ not json");
        try
        {
            using var response = await Http.PostAsync("/v1/admin/models", Json($$"""{"path":"{{name}}"}"""));
            var problem = await Problem(response, HttpStatusCode.BadRequest, "path");
            Assert.Contains("manifest.json", problem.GetRawText(), StringComparison.Ordinal);
            Assert.DoesNotContain(host.DataDir, problem.GetRawText(), StringComparison.Ordinal);
            Assert.DoesNotContain(name, problem.GetRawText(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task PromotingAnUnknownVersionOrRollingBackWithNoHistoryIsRefused()
    {
        await Problem(await Http.PostAsync("/v1/admin/models/v999:promote", TestClients.EmptyJson()), HttpStatusCode.NotFound, null);
        await Problem(await Http.PostAsync("/v1/admin/models:rollback", TestClients.EmptyJson()), HttpStatusCode.Conflict, null);
    }
}
