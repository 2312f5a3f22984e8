using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using RecoGrid.Cli.Hosting;
using RecoGrid.ServiceDefaults;

namespace RecoGrid.Cli.Tests;

/// <summary>What an operator sees: Prometheus metrics behind the admin scope, the cluster and its live numbers, the dashboard.</summary>
[Collection(HostCollection.Name)]
public sealed class TelemetryTests(HostFixture host)
{
    private static StringContent Events(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public async Task MetricsNeedTheAdminScopeAndCountEventsByTypeAndOutcomeWithoutUserIds()
    {
        using var anonymous = new HttpClient { BaseAddress = host.Http.BaseAddress };
        using (var refused = await anonymous.GetAsync("/metrics"))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        var user = "metrics-user-" + Guid.NewGuid().ToString("N");
        using (var accepted = await host.Http.PostAsync("/v1/events", Events($$"""{"events":[{"userId":"{{user}}","itemId":"metrics-item","type":"view","eventId":"m1"}]}""")))
        {
            Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        }

        using (var repeated = await host.Http.PostAsync("/v1/events", Events($$"""{"events":[{"userId":"{{user}}","itemId":"metrics-item","type":"view","eventId":"m1"}]}""")))
        {
            Assert.Equal(HttpStatusCode.Accepted, repeated.StatusCode);
        }

        using (var rejected = await host.Http.PostAsync("/v1/events", Events($$"""{"events":[{"userId":"{{user}}","itemId":"metrics-item","type":"no-such-type"}]}""")))
        {
            Assert.Equal(HttpStatusCode.BadRequest, rejected.StatusCode);
        }

        using (var recommended = await host.Http.GetAsync($"/v1/users/{user}/recommendations"))
        {
            Assert.Equal(HttpStatusCode.OK, recommended.StatusCode);
        }

        using var response = await host.Http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("recogrid_events_ingested_total{otel_scope_name=\"RecoGrid.Grains\",event_type=\"view\",outcome=\"accepted\"}", text, StringComparison.Ordinal);
        Assert.Contains("event_type=\"view\",outcome=\"duplicate\"", text, StringComparison.Ordinal);
        Assert.Contains("event_type=\"other\",outcome=\"rejected\"", text, StringComparison.Ordinal);
        Assert.Contains("recogrid_recommendations_total", text, StringComparison.Ordinal);
        Assert.Contains("recogrid_log_flush_duration_seconds_bucket", text, StringComparison.Ordinal);
        Assert.Contains("recogrid_users_active", text, StringComparison.Ordinal);
        Assert.Contains("http_server_request_duration_seconds_bucket", text, StringComparison.Ordinal);
        Assert.Contains("http_route=\"/v1/users/{userId}/recommendations\"", text, StringComparison.Ordinal);
        Assert.Contains("orleans_", text, StringComparison.Ordinal);
        Assert.DoesNotContain(user, text, StringComparison.Ordinal);
        Assert.DoesNotContain("metrics-item", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheClusterEndpointListsThisNodeWithItsRoleAndTheStatsEndpointItsNumbers()
    {
        using var cluster = await host.Http.GetFromJsonAsync<JsonDocument>("/v1/admin/cluster");
        var self = cluster!.RootElement.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("self").GetBoolean());
        Assert.Equal("active", self.GetProperty("status").GetString());

        // The node reports every 2 s; until its first report the role is unknown.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        JsonElement stats;
        while (true)
        {
            using var reply = await host.Http.GetFromJsonAsync<JsonDocument>("/v1/admin/stats");
            stats = reply!.RootElement.Clone();
            if (stats.GetProperty("totals").ValueKind == JsonValueKind.Object || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(200);
        }

        var node = stats.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("self").GetBoolean());
        Assert.Equal("all", node.GetProperty("role").GetString());
        var totals = stats.GetProperty("totals");
        Assert.True(totals.GetProperty("eventsPerSecond").GetDouble() >= 0);
        Assert.True(totals.GetProperty("eventsTotal").GetInt64() >= 0);

        using var again = await host.Http.GetFromJsonAsync<JsonDocument>("/v1/admin/cluster");
        var reported = again!.RootElement.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("self").GetBoolean());
        Assert.Equal("all", reported.GetProperty("role").GetString());
        Assert.Contains(host.Http.BaseAddress!.ToString().TrimEnd('/'), reported.GetProperty("urls").EnumerateArray().Select(u => u.GetString()));
    }

    [Fact]
    public async Task TheAdminEndpointsAreInTheOpenApiDocumentAndTheConsoleIsNot()
    {
        using var document = await host.Http.GetFromJsonAsync<JsonDocument>("/openapi/v1.json");
        var paths = document!.RootElement.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/v1/admin/cluster", out _));
        Assert.True(paths.TryGetProperty("/v1/admin/stats", out _));
        Assert.False(paths.TryGetProperty("/console/{file}", out _));
    }

    [Fact]
    public async Task TheConsoleIsServedWithAStrictContentSecurityPolicy()
    {
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.Http.BaseAddress };
        using var redirect = await anonymous.GetAsync("/console");
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        Assert.Equal("/console/", redirect.Headers.Location!.OriginalString);
        using var page = await anonymous.GetAsync("/console/");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("script-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains("<title>RecoGrid console</title>", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        using var script = await anonymous.GetAsync("/console/console.js");
        Assert.Equal("text/javascript", script.Content.Headers.ContentType!.MediaType);
        using var missing = await anonymous.GetAsync("/console/nothing.js");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}

/// <summary>Telemetry switched off, the dashboard switched on, and what spans may carry.</summary>
public sealed class TelemetrySettingsTests
{
    private static async Task<(WebApplication App, HttpClient Http, string DataDir)> StartAsync(Dictionary<string, string?> extra)
    {
        var port = TestPorts.Next();
        var dataDir = Path.Combine(Path.GetTempPath(), "recogrid-telemetry-" + Guid.NewGuid().ToString("N"));
        var settings = HostFixture.TestSettings();
        foreach (var (key, value) in extra)
        {
            settings[key] = value;
        }

        var app = ServeHost.Build(new ServeSettings { Urls = $"http://127.0.0.1:{port}", DataDir = dataDir, Overrides = settings });
        await app.StartAsync();
        return (app, TestClients.Admin(port, dataDir), dataDir);
    }

    private static async Task StopAsync(WebApplication app, HttpClient http, string dataDir)
    {
        http.Dispose();
        await app.StopAsync();
        await app.DisposeAsync();
        Directory.Delete(dataDir, recursive: true);
    }

    [Fact]
    public async Task WithTelemetryOffThereIsNoMetricsEndpointAndTheStatsSayNothing()
    {
        var (app, http, dataDir) = await StartAsync(new() { ["Telemetry:Enabled"] = "false" });
        try
        {
            using var metrics = await http.GetAsync("/metrics");
            Assert.Equal(HttpStatusCode.NotFound, metrics.StatusCode);
            using var events = await http.PostAsync("/v1/events", new StringContent("""{"events":[{"userId":"u","itemId":"i","type":"view"}]}""", Encoding.UTF8, "application/json"));
            Assert.Equal(HttpStatusCode.Accepted, events.StatusCode);
        }
        finally
        {
            await StopAsync(app, http, dataDir);
        }
    }

    [Fact]
    public async Task TheDashboardNeedsTheAdminKeyWhichABrowserSendsAsABasicPassword()
    {
        var (app, http, dataDir) = await StartAsync(new() { ["Dashboard:Enabled"] = "true" });
        try
        {
            using var anonymous = new HttpClient { BaseAddress = http.BaseAddress };
            using var refused = await anonymous.GetAsync("/dashboard/");
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
            Assert.Contains(refused.Headers.WwwAuthenticate, h => h.Scheme == "Basic");

            var key = TestClients.AdminKey(dataDir);
            anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("operator:" + key)));
            using var page = await anonymous.GetAsync("/dashboard/");
            Assert.Equal(HttpStatusCode.OK, page.StatusCode);
            Assert.Contains("text/html", page.Content.Headers.ContentType!.MediaType, StringComparison.Ordinal);

            anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("operator:rgk_0000000000000000_wrong")));
            using var wrong = await anonymous.GetAsync("/dashboard/");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);

            // Only the dashboard takes Basic credentials; the API wants X-Api-Key.
            anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("operator:" + key)));
            using var api = await anonymous.GetAsync("/v1/admin/models");
            Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        }
        finally
        {
            await StopAsync(app, http, dataDir);
        }
    }

    [Fact]
    public void SpansKeepTheGrainTypeButNotTheUserIdNorTheRequestPath()
    {
        using var activity = new Activity("IUserGrain/Recommend");
        activity.SetTag("orleans.rpc.target_id", "user/alice");
        activity.SetTag("orleans.rpc.source_id", "sys.client/hosted-127.0.0.1:11111@1");
        activity.SetTag("url.path", "/v1/users/alice/recommendations");
        activity.SetTag("http.route", "/v1/users/{userId}/recommendations");
        new IdScrubbingProcessor().OnEnd(activity);
        Assert.Equal("user", activity.GetTagItem("orleans.rpc.target_id"));
        Assert.Equal("sys.client", activity.GetTagItem("orleans.rpc.source_id"));
        Assert.Null(activity.GetTagItem("url.path"));
        Assert.Equal("/v1/users/{userId}/recommendations", activity.GetTagItem("http.route"));
    }
}

/// <summary>The real executable's log: a start-up summary, one JSON line per request without ids, no watchdog false alarm.</summary>
public sealed class RequestLogTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "recogrid-requestlog-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task EachRequestLogsOneJsonLineWithItsRouteTemplateStatusAndDurationButNoIds()
    {
        var settings = HostFixture.TestSettings();
        settings["Logging:LogLevel:Default"] = "Information";
        settings["Logging:Console:FormatterName"] = "json";
        await using var server = await ServerProcess.StartAsync(_dataDir, settings);
        using (var recommended = await server.Http.GetAsync("/v1/users/secret-user-42/recommendations?count=3&exclude=secret-item"))
        {
            Assert.Equal(HttpStatusCode.OK, recommended.StatusCode);
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        JsonElement? line = null;
        while (line is null && DateTime.UtcNow < deadline)
        {
            line = JsonLines(server.Output).Cast<JsonElement?>().FirstOrDefault(l =>
                l!.Value.GetProperty("Category").GetString() == "RecoGrid.Requests"
                && l.Value.GetProperty("State").GetProperty("Route").GetString() == "/v1/users/{userId}/recommendations");
            await Task.Delay(100);
        }

        Assert.NotNull(line);
        var state = line!.Value.GetProperty("State");
        Assert.Equal("Information", line.Value.GetProperty("LogLevel").GetString());
        Assert.Equal("GET", state.GetProperty("Method").GetString());
        Assert.Equal(200, state.GetProperty("Status").GetInt32());
        Assert.True(state.GetProperty("ElapsedMs").GetDouble() >= 0);
        Assert.DoesNotContain("secret-user-42", server.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-item", server.Output, StringComparison.Ordinal);

        var summary = JsonLines(server.Output).Single(l => l.GetProperty("Category").GetString() == "RecoGrid.Server.Telemetry.StartupSummary");
        Assert.Equal("all", summary.GetProperty("State").GetProperty("Role").GetString());
        Assert.Equal(_dataDir, summary.GetProperty("State").GetProperty("DataDir").GetString());
        Assert.Equal("File", summary.GetProperty("State").GetProperty("GrainStorage").GetString());
        Assert.DoesNotContain(JsonLines(server.Output), l => l.GetProperty("Category").GetString() == "Orleans.Runtime.Watchdog");
    }

    private static List<JsonElement> JsonLines(string output)
    {
        var lines = new List<JsonElement>();
        foreach (var text in output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (text.StartsWith('{'))
            {
                try
                {
                    lines.Add(JsonDocument.Parse(text).RootElement.Clone());
                }
                catch (JsonException)
                {
                    // A line of another shape (e.g. the admin key notice printed before logging starts).
                }
            }
        }

        return lines;
    }
}
