using Microsoft.AspNetCore.Builder;
using RecoGrid.Cli.Hosting;

namespace RecoGrid.Cli.Tests;

/// <summary>The real RecoGrid host (silo + HTTP API) in this process, on loopback ports chosen at run time.</summary>
public sealed class HostFixture : IAsyncLifetime
{
    private WebApplication? _app;

    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "recogrid-api-" + Guid.NewGuid().ToString("N"));

    public HttpClient Http { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var httpPort = TestPorts.Next();
        _app = ServeHost.Build(new ServeSettings
        {
            Urls = $"http://127.0.0.1:{httpPort}",
            DataDir = DataDir,
            Overrides = TestSettings(),
        });
        await _app.StartAsync();
        Port = httpPort;
        Http = TestClients.Admin(httpPort, DataDir);
    }

    /// <summary>The node's HTTP port.</summary>
    public int Port { get; private set; }

    /// <summary>The node's services (to plant state the API no longer accepts, for instance).</summary>
    public IServiceProvider Services => _app!.Services;

    /// <summary>Settings for a test node: its own ports, caches that never go stale, a small body limit, no rate limit (tests that check it set one).</summary>
    public static Dictionary<string, string?> TestSettings() => new()
    {
        ["Orleans:SiloPort"] = TestPorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Orleans:GatewayPort"] = TestPorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Orleans:ClusterId"] = "test-" + Guid.NewGuid().ToString("N"),
        ["Popularity:RefreshInterval"] = "00:00:00",
        ["Popularity:MergeInterval"] = "00:00:00",
        ["Catalog:RefreshInterval"] = "00:00:00",
        ["Api:MaxRequestBodyBytes"] = "65536",
        ["Api:MaxEventBatchSize"] = "100",
        ["Events:Types:share"] = "3",
        ["Logging:LogLevel:Default"] = "Warning",
        ["Limits:RequestsPerSecond"] = "0",
    };

    public async Task DisposeAsync()
    {
        Http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        if (Directory.Exists(DataDir))
        {
            Directory.Delete(DataDir, recursive: true);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class HostCollection : ICollectionFixture<HostFixture>
{
    public const string Name = "host";
}
