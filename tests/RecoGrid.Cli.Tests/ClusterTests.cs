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

    [Fact(Timeout = 300_000)]
    public async Task WhenANodeIsKilledTheSurvivorAcknowledgesEventsAgainAndShowsEveryAcknowledgedEvent()
    {
        await using var redis = await RedisServer.StartAsync();
        var clusterId = "kill-" + Guid.NewGuid().ToString("N");
        await using var survivor = await ServerProcess.StartAsync(Path.Combine(_root, "survivor"), Node(clusterId, "redis", redis.ConnectionString), "all");
        await using var victim = await ServerProcess.StartAsync(Path.Combine(_root, "victim"), Node(clusterId, "redis", redis.ConnectionString), "all");
        ShareAdminKey(survivor, "survivor", victim, "victim");

        // Users read through both nodes, so user grains, partitions and their directory entries live on both: when the
        // victim dies, some of the survivor's activations lose their directory entry (the runtime deactivates them) and
        // some of its user grains lose the partition activation that fed them.
        const int users = 120;
        var acknowledged = new int[users];
        var sent = new int[users];
        var eventCounter = 0;
        async Task<bool> SendAsync(int[] batch)
        {
            var events = batch.Select(u => new { userId = "k" + u, itemId = "item" + (u % 7), type = "view", eventId = "e" + Interlocked.Increment(ref eventCounter) }).ToArray();
            lock (sent)
            {
                Array.ForEach(batch, u => sent[u]++);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                using var response = await survivor.Http.PostAsJsonAsync("/v1/events", new { events }, timeout.Token);
                if (response.StatusCode != HttpStatusCode.Accepted)
                {
                    return false;
                }

                lock (sent)
                {
                    Array.ForEach(batch, u => acknowledged[u]++);
                }

                return true;
            }
            catch (Exception e) when (e is OperationCanceledException or HttpRequestException)
            {
                return false;
            }
        }

        for (var u = 0; u < users; u += 10)
        {
            Assert.True(await SendAsync([.. Enumerable.Range(u, 10)]));
        }

        for (var u = 0; u < users; u++)
        {
            using var read = await (u % 2 == 0 ? survivor : victim).Http.GetAsync($"/v1/users/k{u}");
            Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        }

        // Load through the survivor; the victim dies a few seconds in.
        var outcomes = new System.Collections.Concurrent.ConcurrentQueue<(TimeSpan At, bool Ok)>();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            var local = new Random(100 + w);
            while (!stop.IsCancellationRequested)
            {
                var batch = Enumerable.Range(0, 6).Select(_ => local.Next(users)).Distinct().ToArray();
                outcomes.Enqueue((clock.Elapsed, await SendAsync(batch)));
                await Task.Delay(20);
            }
        })).ToArray();

        await Task.Delay(TimeSpan.FromSeconds(3));
        var killedAt = clock.Elapsed;
        await victim.KillHardAsync();

        // Recovered: 5 s in which every request of the load was acknowledged (at most 120 s after the kill).
        TimeSpan? recoveredAt = null;
        while (recoveredAt is null && clock.Elapsed - killedAt < TimeSpan.FromSeconds(120))
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            var window = outcomes.Where(o => o.At > clock.Elapsed - TimeSpan.FromSeconds(5)).ToList();
            if (clock.Elapsed - killedAt > TimeSpan.FromSeconds(5) && window.Count > 0 && window.All(o => o.Ok))
            {
                recoveredAt = clock.Elapsed;
            }
        }

        await stop.CancelAsync();
        await Task.WhenAll(workers);
        var afterKill = outcomes.Where(o => o.At > killedAt).ToList();
        Assert.True(recoveredAt is not null,
            $"the survivor did not acknowledge every event for 5 s within 120 s of the kill: {afterKill.Count(o => !o.Ok)} of {afterKill.Count} requests after it failed\n{survivor.Output[^Math.Min(6000, survivor.Output.Length)..]}");

        // Every acknowledged event shows in its user's state, read through the survivor (a few seconds for stragglers).
        var missing = new List<string>();
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        for (var u = 0; u < users; u++)
        {
            long? total = null;
            do
            {
                using var read = await survivor.Http.GetAsync($"/v1/users/k{u}");
                if (read.StatusCode == HttpStatusCode.OK)
                {
                    total = (await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("totalEvents").GetInt64();
                    if (total >= acknowledged[u])
                    {
                        break;
                    }
                }

                await Task.Delay(200);
            }
            while (deadline.Elapsed < TimeSpan.FromSeconds(30));

            if (total is null || total < acknowledged[u] || total > sent[u])
            {
                missing.Add($"k{u}: {total?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "unreadable"} events, {acknowledged[u]} acknowledged, {sent[u]} sent");
            }
        }

        Assert.True(missing.Count == 0, $"{missing.Count} users do not show their acknowledged events: {string.Join("; ", missing.Take(10))}");
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
