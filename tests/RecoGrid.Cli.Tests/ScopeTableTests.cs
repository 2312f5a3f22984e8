using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace RecoGrid.Cli.Tests;

/// <summary>Each scope is enforced on each endpoint group: a key reaches exactly the groups its scopes name (admin reaches all).</summary>
[Collection(HostCollection.Name)]
public sealed class ScopeTableTests(HostFixture host)
{
    private static readonly SemaphoreSlim KeysMade = new(1, 1);
    private static Dictionary<string, string>? _keys;

    // Endpoint group → a valid request to it, and the scopes that reach it besides admin.
    private static readonly Dictionary<string, (Func<HttpRequestMessage> Request, string[] Scopes)> Groups = new()
    {
        ["events"] = (() => Post("/v1/events", """{"events":[{"userId":"scope-user","itemId":"scope-item","type":"view"}]}"""), ["events:write"]),
        ["recommendations"] = (() => new HttpRequestMessage(HttpMethod.Get, "/v1/users/scope-user/recommendations"), ["recommendations:read"]),
        ["user summary"] = (() => new HttpRequestMessage(HttpMethod.Get, "/v1/users/scope-user"), ["recommendations:read"]),
        ["user erasure"] = (() => new HttpRequestMessage(HttpMethod.Delete, "/v1/users/scope-erased"), []),
        ["item write"] = (() => new HttpRequestMessage(HttpMethod.Put, "/v1/items/scope-item") { Content = Json("""{"categories":["scope"]}""") }, ["catalog:write"]),
        ["item batch"] = (() => Post("/v1/items:batch", """{"items":[{"itemId":"scope-item-2"}]}"""), ["catalog:write"]),
        ["item read"] = (() => new HttpRequestMessage(HttpMethod.Get, "/v1/items/scope-item"), ["recommendations:read", "catalog:write"]),
        ["models"] = (() => new HttpRequestMessage(HttpMethod.Get, "/v1/admin/models"), []),
        ["model promotion"] = (() => Post("/v1/admin/models/v404:promote", ""), []),
        ["keys"] = (() => new HttpRequestMessage(HttpMethod.Get, "/v1/admin/keys"), []),
    };

    private static readonly string[] AllScopes = ["events:write", "recommendations:read", "catalog:write", "admin"];

    public static TheoryData<string, string> Table()
    {
        var data = new TheoryData<string, string>();
        foreach (var scope in AllScopes)
        {
            foreach (var group in Groups.Keys)
            {
                data.Add(scope, group);
            }
        }

        return data;
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static HttpRequestMessage Post(string path, string json) => new(HttpMethod.Post, path) { Content = Json(json) };

    private async Task<Dictionary<string, string>> KeysAsync()
    {
        await KeysMade.WaitAsync();
        try
        {
            if (_keys is null)
            {
                var keys = new Dictionary<string, string>();
                foreach (var scope in AllScopes)
                {
                    using var response = await host.Http.PostAsJsonAsync("/v1/admin/keys", new { client = "table-" + scope, scopes = new[] { scope } });
                    Assert.Equal(HttpStatusCode.Created, response.StatusCode);
                    keys[scope] = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
                }

                _keys = keys;
            }

            return _keys;
        }
        finally
        {
            KeysMade.Release();
        }
    }

    private async Task<HttpResponseMessage> SendAsync(string group, string? key)
    {
        using var http = new HttpClient { BaseAddress = host.Http.BaseAddress };
        if (key is not null)
        {
            TestClients.WithKey(http, key);
        }

        return await http.SendAsync(Groups[group].Request());
    }

    [Theory]
    [MemberData(nameof(Table))]
    public async Task AKeyReachesAnEndpointGroupExactlyWhenItHoldsItsScope(string scope, string group)
    {
        var key = (await KeysAsync())[scope];

        using var response = await SendAsync(group, key);

        var allowed = scope == "admin" || Groups[group].Scopes.Contains(scope);
        if (allowed)
        {
            Assert.True(response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) && (int)response.StatusCode < 500, $"{scope} on {group}: {response.StatusCode}");
        }
        else
        {
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Contains("scope", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("events")]
    [InlineData("recommendations")]
    [InlineData("user erasure")]
    [InlineData("item write")]
    [InlineData("item read")]
    [InlineData("models")]
    [InlineData("keys")]
    public async Task EveryEndpointGroupAnswers401ProblemWithoutAValidKey(string group)
    {
        foreach (var key in new string?[] { null, "not-a-key", "rgk_0123456789abcdef_" + new string('A', 43) })
        {
            using var response = await SendAsync(group, key);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "ApiKey");
        }
    }

    [Fact]
    public async Task HealthReadinessAndTheOpenApiDocumentNeedNoKey()
    {
        using var http = new HttpClient { BaseAddress = host.Http.BaseAddress };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Readiness.WaitAsync(http)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/openapi/v1.json")).StatusCode);
    }
}
