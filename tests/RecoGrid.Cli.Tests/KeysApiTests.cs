using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace RecoGrid.Cli.Tests;

/// <summary>API keys over the admin endpoint: several per client, rotation, revocation; hashes at rest; the admin surface's guards.</summary>
[Collection(HostCollection.Name)]
public sealed class KeysApiTests(HostFixture host)
{
    private HttpClient Admin => host.Http;

    private async Task<(string Key, string KeyId)> CreateAsync(string client, params string[] scopes)
    {
        using var response = await Admin.PostAsJsonAsync("/v1/admin/keys", new { client, scopes });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        return (body.GetProperty("key").GetString()!, body.GetProperty("info").GetProperty("keyId").GetString()!);
    }

    private HttpClient As(string key) => TestClients.WithKey(new HttpClient { BaseAddress = Admin.BaseAddress }, key);

    [Fact]
    public async Task AClientRotatesKeysWithoutDowntimeAndARevokedKeyIsRefusedAtOnce()
    {
        var client = "rotating-" + Guid.NewGuid().ToString("N");
        var (oldKey, oldId) = await CreateAsync(client, "recommendations:read");
        var (newKey, _) = await CreateAsync(client, "recommendations:read");
        using var oldHttp = As(oldKey);
        using var newHttp = As(newKey);
        Assert.Equal(HttpStatusCode.OK, (await oldHttp.GetAsync("/v1/users/rotation/recommendations")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await newHttp.GetAsync("/v1/users/rotation/recommendations")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await Admin.DeleteAsync($"/v1/admin/keys/{oldId}")).StatusCode);

        using var refused = await oldHttp.GetAsync("/v1/users/rotation/recommendations");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.OK, (await newHttp.GetAsync("/v1/users/rotation/recommendations")).StatusCode);
    }

    [Fact]
    public async Task KeyListsNeverShowSecretsAndTheRegistryStoresOnlyHashes()
    {
        var (key, keyId) = await CreateAsync("listed-" + Guid.NewGuid().ToString("N"), "events:write");
        var secret = key[21..];

        var list = await Admin.GetStringAsync("/v1/admin/keys");
        Assert.Contains(keyId, list, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, list, StringComparison.Ordinal);

        foreach (var file in Directory.EnumerateFiles(host.DataDir, "*", SearchOption.AllDirectories).Where(f => !f.EndsWith("admin.key", StringComparison.Ordinal)))
        {
            string text;
            try
            {
                using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                using var reader = new StreamReader(stream, Encoding.Latin1);
                text = await reader.ReadToEndAsync();
            }
            catch (IOException)
            {
                continue; // a lock file held open by its owner
            }

            Assert.DoesNotContain(secret, text, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("""{"client":"x","scopes":["root"]}""", "scopes[0]")]
    [InlineData("""{"client":"x","scopes":[]}""", "scopes")]
    [InlineData("""{"scopes":["admin"]}""", "client")]
    [InlineData("""{"client":"x","scopes":["admin"],"expiresAt":"2001-01-01T00:00:00Z"}""", "expiresAt")]
    public async Task AnInvalidKeyRequestIsRejectedNamingTheField(string body, string field)
    {
        using var response = await Admin.PostAsync("/v1/admin/keys", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Theory]
    [InlineData("/v1/admin/models/v1:promote")]
    [InlineData("/v1/admin/models:rollback")]
    [InlineData("/v1/admin/models")]
    [InlineData("/v1/admin/keys")]
    public async Task AdminPostsThatAreNotJsonAreRefused(string path)
    {
        using var form = await Admin.PostAsync(path, new FormUrlEncodedContent(new Dictionary<string, string> { ["path"] = "x" }));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, form.StatusCode);
        Assert.Equal("application/problem+json", form.Content.Headers.ContentType?.MediaType);
        using var plain = await Admin.PostAsync(path, new StringContent("{}", Encoding.UTF8, "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, plain.StatusCode);
        using var none = await Admin.PostAsync(path, null);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, none.StatusCode);
    }

    [Fact]
    public async Task CrossOriginRequestsGetNoCorsHeadersByDefault()
    {
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/v1/admin/models:rollback");
        preflight.Headers.Add("Origin", "https://evil.example");
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        using var response = await Admin.SendAsync(preflight);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task TheOpenApiDocumentDeclaresTheApiKeySchemeAndEachOperationsScope()
    {
        var document = await Admin.GetFromJsonAsync<JsonElement>("/openapi/v1.json");
        var scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("ApiKey");
        Assert.Equal("apiKey", scheme.GetProperty("type").GetString());
        Assert.Equal("X-Api-Key", scheme.GetProperty("name").GetString());
        var post = document.GetProperty("paths").GetProperty("/v1/events").GetProperty("post");
        Assert.Equal("events:write", post.GetProperty("security")[0].GetProperty("ApiKey")[0].GetString());
        Assert.True(post.GetProperty("responses").TryGetProperty("401", out _));
    }

    [Fact]
    public async Task ReadinessAnswersCarryNoServerPaths()
    {
        using var response = await Readiness.WaitAsync(Admin);
        var text = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain(host.DataDir, text, StringComparison.Ordinal);
        Assert.DoesNotContain(Path.GetTempPath(), text, StringComparison.Ordinal);
    }
}
