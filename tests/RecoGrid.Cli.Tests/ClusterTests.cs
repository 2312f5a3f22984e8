using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using RecoGrid.Cli.Hosting;
using RecoGrid.Server.Models;
using RecoGrid.Storage.Azure.Models;
using RecoGrid.Storage.Azure.Tests;

namespace RecoGrid.Cli.Tests;

/// <summary>
/// Real `recogrid serve` processes forming one cluster through shared membership (Redis, or an Azure table on Azurite),
/// with every store on Azure Storage (Azurite): no shared data folder.
/// </summary>
public sealed class ClusterTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "recogrid-cluster-" + Guid.NewGuid().ToString("N"));
    private readonly string _prefix = "c" + Guid.NewGuid().ToString("N")[..12];
    private AzuriteServer _azurite = null!;

    public async Task InitializeAsync() => _azurite = await AzuriteServer.GetAsync();

    public Task DisposeAsync()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }

        return Task.CompletedTask;
    }

    [Fact]
    public async Task NodesOnRedisMembershipAndAzureStorageShareStateAndTheModelRegistry()
    {
        await using var redis = await RedisServer.StartAsync();
        var clusterId = "redis-" + Guid.NewGuid().ToString("N");
        var data = await RegisterModelAsync();
        await using var api = await ServerProcess.StartAsync(Path.Combine(_root, "api"), Node(clusterId, "redis", redis.ConnectionString), "api");
        await using var all = await ServerProcess.StartAsync(Path.Combine(_root, "all"), Node(clusterId, "redis", redis.ConnectionString), "all");
        ShareAdminKey(api, "api", all, "all");

        await AssertOneClusterAsync(api, all);
        (await api.Http.PostAsync("/v1/admin/models/v1:promote", TestClients.EmptyJson())).EnsureSuccessStatusCode();
        var recs = await WaitForModelAsync(api, data.UserIds[0]);
        Assert.Equal("v1", recs.GetProperty("modelVersion").GetString());
        Assert.Equal(5, recs.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task NodesOnAzureTableMembershipFormOneCluster()
    {
        var clusterId = "table-" + Guid.NewGuid().ToString("N");
        await using var first = await ServerProcess.StartAsync(Path.Combine(_root, "first"), Node(clusterId, "azure", null), "all");
        await using var second = await ServerProcess.StartAsync(Path.Combine(_root, "second"), Node(clusterId, "azure", null), "all");
        ShareAdminKey(first, "first", second, "second");
        await AssertOneClusterAsync(first, second);
    }

    [Fact(Timeout = 300_000)]
    public async Task ARetrainingRunTrainsAcrossNodesThatShareNoFolderAndEveryNodeServesItsModelAndSeesItsHistory()
    {
        // Two nodes with their own data folders: blocks, reminders and history must all be in Azure Storage, or the
        // job's blocks written by one silo are missing on the other and the run fails.
        var clusterId = "train-" + Guid.NewGuid().ToString("N");
        await using var all = await ServerProcess.StartAsync(Path.Combine(_root, "all"), RetrainingNode.Settings(Node(clusterId, "azure", null)), "all");
        await using var trainer = await ServerProcess.StartAsync(Path.Combine(_root, "trainer"), RetrainingNode.Settings(Node(clusterId, "azure", null)), "training");
        ShareAdminKey(all, "all", trainer, "trainer");
        var data = RetrainingNode.Interactions();
        await RetrainingNode.SendEventsAsync(all.Http, data);

        using var started = await all.Http.PostAsync("/v1/admin/retrain", TestClients.EmptyJson());
        Assert.Equal(HttpStatusCode.Accepted, started.StatusCode);
        var id = (await started.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetString()!;
        var run = await RetrainingNode.WaitForRunAsync(all.Http, id);
        Assert.True(run.GetProperty("status").GetString() == "promoted", $"the run: {run}");

        // The blocks went to blobs and were removed with the job; neither data folder holds any.
        foreach (var node in new[] { "all", "trainer" })
        {
            var blocks = Path.Combine(_root, node, "training", "blocks");
            Assert.False(Directory.Exists(blocks) && Directory.EnumerateFiles(blocks, "*", SearchOption.AllDirectories).Any(), $"{node} wrote blocks to its folder");
        }

        var container = new Azure.Storage.Blobs.BlobServiceClient(_azurite.ConnectionString).GetBlobContainerClient(_prefix + "-training-blocks");
        Assert.True(await container.ExistsAsync(), "no block was written to the training-blocks container");
        await foreach (var blob in container.GetBlobsAsync())
        {
            Assert.Fail($"the finished job left block {blob.Name}");
        }

        // One history for the cluster, written by the training node: the API node lists the run, and so does
        // `recogrid models history` run anywhere with the cluster's storage settings (here without any data folder of a node).
        var history = await all.Http.GetFromJsonAsync<JsonElement>("/v1/admin/models/history");
        Assert.Contains(history.GetProperty("runs").EnumerateArray(), r => r.GetProperty("id").GetString() == id);
        var elsewhere = new ConfigurationManager();
        elsewhere.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "azure",
            ["Storage:ConnectionString"] = _azurite.ConnectionString,
            ["Storage:ContainerPrefix"] = _prefix,
        });
        var runs = await RecoGrid.Server.Retraining.RetrainingHistory.Create(elsewhere, Path.Combine(_root, "elsewhere")).ReadAsync();
        Assert.Equal("promoted", Assert.Single(runs, r => r.Id == id).Status);

        var recs = await WaitForModelAsync(all, "u" + data.UserIds[0]);
        Assert.Equal(run.GetProperty("version").GetString(), recs.GetProperty("modelVersion").GetString());
    }

    // The keys live in the cluster's shared store: the first node bootstraps the admin key into its data folder, and a
    // node joining later finds an active admin key and writes none, so a client uses the first node's key everywhere.
    private void ShareAdminKey(ServerProcess first, string firstDir, ServerProcess joined, string joinedDir)
    {
        Assert.True(first.Http.DefaultRequestHeaders.Contains("X-Api-Key"), "the first node wrote no admin key");
        if (!File.Exists(Path.Combine(_root, joinedDir, "admin.key")))
        {
            TestClients.WithKey(joined.Http, TestClients.AdminKey(Path.Combine(_root, firstDir)));
        }
    }

    [Fact]
    public async Task ANodeWhoseSiloOrGatewayPortIsTakenRefusesToStartNamingTheSetting()
    {
        foreach (var setting in new[] { "Orleans:SiloPort", "Orleans:GatewayPort" })
        {
            using var taken = new TcpListener(IPAddress.Loopback, 0);
            taken.Start();
            var settings = HostFixture.TestSettings();
            settings[setting] = ((IPEndPoint)taken.LocalEndpoint).Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
            await using var app = ServeHost.Build(new ServeSettings { Urls = $"http://127.0.0.1:{TestPorts.Next()}", DataDir = Path.Combine(_root, "taken"), Overrides = settings });

            var error = await Assert.ThrowsAsync<InvalidOperationException>(() => app.StartAsync());
            Assert.Contains($"{setting} {settings[setting]} is already in use", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AzureStorageWithoutAConnectionAndRedisWithoutAServerAreRefusedNamingTheSettings()
    {
        var settings = HostFixture.TestSettings();
        settings["Storage:Provider"] = "azure";
        settings["Cluster:Provider"] = "redis";
        await using var app = ServeHost.Build(new ServeSettings { Urls = $"http://127.0.0.1:{TestPorts.Next()}", DataDir = Path.Combine(_root, "invalid"), Overrides = settings });

        var error = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(() => app.StartAsync());
        var message = string.Join(" ", error.Failures);
        Assert.Contains("Storage:ConnectionString", message, StringComparison.Ordinal);
        Assert.Contains("Cluster:ConnectionString", message, StringComparison.Ordinal);
    }

    private Dictionary<string, string?> Node(string clusterId, string membership, string? membershipConnection)
    {
        var settings = HostFixture.TestSettings();
        settings["Orleans:ClusterId"] = clusterId;
        settings["Orleans:AdvertisedAddress"] = "127.0.0.1";
        settings["Cluster:Provider"] = membership;
        settings["Cluster:ConnectionString"] = membershipConnection;
        settings["Storage:Provider"] = "azure";
        settings["Storage:ConnectionString"] = _azurite.ConnectionString;
        settings["Storage:ContainerPrefix"] = _prefix;
        settings["Log:Partitions"] = "4";
        settings["Models:PollInterval"] = "00:00:00.200";
        return settings;
    }

    // Events sent to one node are state the other node reads: one cluster, one copy of each user.
    private static async Task AssertOneClusterAsync(ServerProcess a, ServerProcess b)
    {
        var events = new { events = Enumerable.Range(0, 20).Select(i => new { userId = "u" + i, itemId = "item" + (i % 3), type = "purchase" }).ToArray() };
        var posted = await a.Http.PostAsJsonAsync("/v1/events", events);
        Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        foreach (var i in new[] { 0, 7, 19 })
        {
            var user = await b.Http.GetFromJsonAsync<JsonElement>($"/v1/users/u{i}");
            Assert.Equal(1, user.GetProperty("totalEvents").GetInt64());
        }
    }

    private async Task<Training.Data.InteractionData> RegisterModelAsync()
    {
        var staging = Path.Combine(_root, "staging");
        var local = Path.Combine(staging, "data");
        var data = await TestModels.RegisterTwoVersionsAsync(staging, local);
        var registry = new AzureModelRegistry(new AzureModelRegistryOptions
        {
            ConnectionString = _azurite.ConnectionString,
            ContainerName = _prefix + "-models",
            CacheDirectory = Path.Combine(_root, "cache"),
        });
        await new ModelRegistration(registry).AddAsync(Path.Combine(staging, "artifact-1"), CancellationToken.None);
        return data;
    }

    private static async Task<JsonElement> WaitForModelAsync(ServerProcess api, string userId)
    {
        JsonElement recs = default;
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            recs = await api.Http.GetFromJsonAsync<JsonElement>($"/v1/users/{userId}/recommendations?count=5");
            if (recs.GetProperty("source").GetString() == "model")
            {
                break;
            }

            await Task.Delay(100);
        }

        Assert.Equal("model", recs.GetProperty("source").GetString());
        return recs;
    }
}
