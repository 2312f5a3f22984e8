using System.Net;
using System.Net.Sockets;
using Orleans.Runtime.MembershipService.SiloMetadata;
using RecoGrid.Grains.Scoring;
using RecoGrid.Server.Hosting;
using RecoGrid.Storage.FileSystem;
using RecoGrid.Storage.Training;
using RecoGrid.Training.Cluster;

namespace RecoGrid.Cli.Bench;

/// <summary>
/// A cluster of training silos in this process for benchmarks: each its own Orleans host on loopback ports, sharing
/// one file block store, each solving with its own number of worker threads.
/// </summary>
internal sealed class InProcessTrainingCluster : IAsyncDisposable
{
    private readonly List<IHost> _hosts;

    private InProcessTrainingCluster(List<IHost> hosts, string root, ITrainingBlockStore store)
    {
        _hosts = hosts;
        Root = root;
        Store = store;
    }

    public string Root { get; }

    public ITrainingBlockStore Store { get; }

    public IGrainFactory Grains => _hosts[0].Services.GetRequiredService<IGrainFactory>();

    public static async Task<InProcessTrainingCluster> StartAsync(int silos, int workerThreads, int blocks, CancellationToken ct)
    {
        var root = Path.Combine(Path.GetTempPath(), "recogrid-bench-cluster-" + Guid.NewGuid().ToString("N"));
        var store = new FileTrainingBlockStore(Path.Combine(root, "blocks"));
        var clusterId = "bench-" + Guid.NewGuid().ToString("N");
        var hosts = new List<IHost>();
        var primaryPort = 0;
        try
        {
            for (var s = 0; s < silos; s++)
            {
                var (siloPort, gatewayPort) = (FreePort(), FreePort());
                var primary = s == 0 ? null : new IPEndPoint(IPAddress.Loopback, primaryPort);
                if (s == 0)
                {
                    primaryPort = siloPort;
                }

                var builder = Host.CreateApplicationBuilder();
                builder.Logging.SetMinimumLevel(LogLevel.Warning);
                builder.UseOrleans(silo =>
                {
                    silo.UseLocalhostClustering(siloPort, gatewayPort, primary, serviceId: "recogrid-bench", clusterId: clusterId);
                    silo.UseSiloMetadata(new Dictionary<string, string> { [NodeRole.MetadataKey] = NodeRole.Training.Name });
                    silo.AddFileGrainStorage(TrainingStorage.Name, o => o.RootDirectory = Path.Combine(root, "grains"));
                });
                builder.Services.AddReminders();
                builder.Services.AddSingleton<IReminderTable>(new FileReminderTable(Path.Combine(root, "reminders"), flushToDisk: false));
                builder.Services.AddSingleton<ITrainingBlockStore>(store);
                builder.Services.AddRecoGridClusterTraining(store.Root);
                builder.Services.Configure<ClusterTrainingOptions>(o =>
                {
                    o.Blocks = blocks;
                    o.WorkerThreads = workerThreads;
                });
                var host = builder.Build();
                await host.StartAsync(ct);
                hosts.Add(host);
            }
        }
        catch
        {
            await new InProcessTrainingCluster(hosts, root, store).DisposeAsync();
            throw;
        }

        return new InProcessTrainingCluster(hosts, root, store);
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _hosts.Count - 1; i >= 0; i--)
        {
            await _hosts[i].StopAsync();
            _hosts[i].Dispose();
        }

        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
