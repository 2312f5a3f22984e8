using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using RecoGrid.Cli.Hosting;

namespace RecoGrid.Cli.Tests;

/// <summary>A node with tight limits: rate limits per key, bad and stalled bodies, CORS allow-list, start-up clean-up.</summary>
public sealed class LimitsTests : IAsyncLifetime
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "recogrid-limits-" + Guid.NewGuid().ToString("N"));
    private WebApplication? _app;
    private int _port;
    private HttpClient _admin = null!;
    private string _staleTemp = "", _freshTemp = "", _otherTmp = "";

    public async Task InitializeAsync()
    {
        // Left by a crashed write long ago, by a write in flight right now, and a file that only looks similar.
        var grains = Path.Combine(_dataDir, "grains", "users");
        Directory.CreateDirectory(grains);
        _staleTemp = Path.Combine(grains, $".state.json.{Guid.NewGuid():N}.tmp");
        _freshTemp = Path.Combine(grains, $".other.json.{Guid.NewGuid():N}.tmp");
        _otherTmp = Path.Combine(grains, "notes.tmp");
        foreach (var file in new[] { _staleTemp, _freshTemp, _otherTmp })
        {
            await File.WriteAllTextAsync(file, "partial");
        }

        File.SetLastWriteTimeUtc(_staleTemp, DateTime.UtcNow.AddHours(-1));
        File.SetLastWriteTimeUtc(_otherTmp, DateTime.UtcNow.AddHours(-1));

        _port = TestPorts.Next();
        var settings = HostFixture.TestSettings();
        settings["Limits:RequestsPerSecond"] = "1";
        settings["Limits:RequestBurst"] = "6";
        settings["Limits:BodyGracePeriod"] = "00:00:01.500";
        settings["Cors:AllowedOrigins:0"] = "https://shop.example";
        _app = ServeHost.Build(new ServeSettings { Urls = $"http://127.0.0.1:{_port}", DataDir = _dataDir, Overrides = settings });
        await _app.StartAsync();
        _admin = TestClients.Admin(_port, _dataDir);

        // The admin key is rate limited too: make every key the tests need now, within its burst.
        _busyKey = await NewKeyAsync("recommendations:read");
        _calmKey = await NewKeyAsync("recommendations:read");
        _eventsKey = await NewKeyAsync("events:write");
    }

    private string _busyKey = "", _calmKey = "", _eventsKey = "";

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        Directory.Delete(_dataDir, recursive: true);
    }

    private async Task<string> NewKeyAsync(string scope)
    {
        using var response = await _admin.PostAsJsonAsync("/v1/admin/keys", new { client = "limits", scopes = new[] { scope } });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    [Fact]
    public async Task AKeyOverItsRateIsAnswered429WithRetryAfterWhileOtherKeysAreNot()
    {
        using var busy = TestClients.WithKey(new HttpClient { BaseAddress = _admin.BaseAddress }, _busyKey);
        using var calm = TestClients.WithKey(new HttpClient { BaseAddress = _admin.BaseAddress }, _calmKey);

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 10 && limited is null; i++)
        {
            var response = await busy.GetAsync("/v1/users/rate/recommendations");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                limited = response;
            }
        }

        Assert.NotNull(limited);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "429 without Retry-After");
        Assert.Contains("Limits:RequestsPerSecond", await limited.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await calm.GetAsync("/v1/users/rate/recommendations")).StatusCode);
    }

    [Fact]
    public async Task AMalformedChunkedBodyIsAnswered400()
    {
        var key = _eventsKey;
        var head = RawHttp.Head("POST", "/v1/events", key, "Content-Type: application/json", "Transfer-Encoding: chunked");
        Assert.Equal(400, await RawHttp.SendAsync(_port, head, [Bytes("zz\r\n{\"events\":[]}\r\n0\r\n\r\n")]));
        Assert.Equal(400, await RawHttp.SendAsync(_port, head, [Bytes("5\r\n{\"eve\r\n3\r\nnts\":[]}\r\n0\r\n\r\n")]));
    }

    [Fact]
    public async Task AShortBodyIsAClientFaultAnsweredAsSuchWhileTheClientListens()
    {
        var key = _eventsKey;
        var head = RawHttp.Head("POST", "/v1/events", key, "Content-Type: application/json", "Content-Length: 200");

        // A client that closes its side is gone (Kestrel aborts on FIN): no answer, and nothing 5xx or written.
        Assert.Equal(0, await RawHttp.SendAsync(_port, head, [Bytes("{\"events\":[")], halfClose: true));

        // One that keeps listening is told its body stopped short (after Limits:BodyGracePeriod): 408.
        Assert.Equal(408, await RawHttp.SendAsync(_port, head, [Bytes("{\"events\":[")]));
        using var summary = await _admin.GetAsync("/v1/users/u");
        Assert.Equal(0, (await summary.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("totalEvents").GetInt64());
    }

    [Fact]
    public async Task AStalledBodyIsAnswered408()
    {
        var key = _eventsKey;
        var head = RawHttp.Head("POST", "/v1/events", key, "Content-Type: application/json", "Content-Length: 5000");
        var status = await RawHttp.SendAsync(_port, head, [Bytes("{\"ev"), Bytes("e"), Bytes("n"), Bytes("t")], pause: TimeSpan.FromMilliseconds(700));
        Assert.Equal(408, status);
    }

    [Fact]
    public async Task CrossOriginCallsAreAllowedOnlyFromListedOrigins()
    {
        async Task<string?> AllowedOrigin(string origin)
        {
            using var preflight = new HttpRequestMessage(HttpMethod.Options, "/v1/events");
            preflight.Headers.Add("Origin", origin);
            preflight.Headers.Add("Access-Control-Request-Method", "POST");
            preflight.Headers.Add("Access-Control-Request-Headers", "x-api-key,content-type");
            using var anonymous = new HttpClient { BaseAddress = _admin.BaseAddress };
            using var response = await anonymous.SendAsync(preflight);
            return response.Headers.TryGetValues("Access-Control-Allow-Origin", out var values) ? values.Single() : null;
        }

        Assert.Equal("https://shop.example", await AllowedOrigin("https://shop.example"));
        Assert.Null(await AllowedOrigin("https://evil.example"));
    }

    [Fact]
    public void TemporaryFilesLeftByACrashAreRemovedAtStartUpAndOthersAreKept()
    {
        Assert.False(File.Exists(_staleTemp));
        Assert.True(File.Exists(_freshTemp));
        Assert.True(File.Exists(_otherTmp));
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public void TheLocalAdminKeyFileIsReadableOnlyByItsOwner()
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dataDir, "admin.key")));
    }
}

/// <summary>Auth:Mode=None keeps an open node for local experiments.</summary>
public sealed class OpenModeTests
{
    [Fact]
    public async Task WithAuthModeNoneEveryEndpointIsOpenAndNoKeyIsWritten()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "recogrid-open-" + Guid.NewGuid().ToString("N"));
        var settings = HostFixture.TestSettings();
        settings["Auth:Mode"] = "None";
        var port = TestPorts.Next();
        await using (var app = ServeHost.Build(new ServeSettings { Urls = $"http://127.0.0.1:{port}", DataDir = dataDir, Overrides = settings }))
        {
            await app.StartAsync();
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            Assert.Equal(HttpStatusCode.Accepted, (await http.PostAsJsonAsync("/v1/events", new { events = new[] { new { userId = "u", itemId = "i", type = "view" } } })).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/v1/users/u/recommendations")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/v1/admin/models")).StatusCode);
            Assert.False(File.Exists(Path.Combine(dataDir, "admin.key")));
            await app.StopAsync();
        }

        Directory.Delete(dataDir, recursive: true);
    }

    [Fact]
    public async Task AnUnknownAuthModeStopsStartUpNamingTheSetting()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "recogrid-badauth-" + Guid.NewGuid().ToString("N"));
        var settings = HostFixture.TestSettings();
        settings["Auth:Mode"] = "Jwt";
        await using var app = ServeHost.Build(new ServeSettings { Urls = $"http://127.0.0.1:{TestPorts.Next()}", DataDir = dataDir, Overrides = settings });
        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => app.StartAsync());
        Assert.Contains("Auth:Jwt:Authority", string.Join(" ", error.Failures), StringComparison.Ordinal);
        Directory.Delete(dataDir, recursive: true);
    }
}
