using Microsoft.Extensions.DependencyInjection;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.TestingHost;
using RecoGrid.Grains.Scoring;
using RecoGrid.Storage.Training;

namespace RecoGrid.Training.Cluster.Tests;

/// <summary>An in-process cluster of training silos sharing one file block store in a temporary folder.</summary>
public sealed class TrainingCluster : IAsyncDisposable
{
    private TrainingCluster(InProcessTestCluster cluster, string root, FileTrainingBlockStore store, ClusterTrainingOptions options)
    {
        Cluster = cluster;
        Root = root;
        Store = store;
        Options = options;
    }

    public InProcessTestCluster Cluster { get; }

    public string Root { get; }

    public FileTrainingBlockStore Store { get; }

    public ClusterTrainingOptions Options { get; }

    public ClusterIalsFactorizer Factorizer(Action<Contracts.TrainingJobProgress>? onProgress = null) =>
        new(Cluster.Client, Store, Options) { OnProgress = onProgress };

    /// <summary>Starts <paramref name="silos"/> silos with the training role; one worker thread each.</summary>
    public static async Task<TrainingCluster> StartAsync(int silos, int blocks = 6)
    {
        var root = Path.Combine(Path.GetTempPath(), "recogrid-cluster-training-" + Guid.NewGuid().ToString("N"));
        var store = new FileTrainingBlockStore(Path.Combine(root, "blocks"));
        var options = new ClusterTrainingOptions { Blocks = blocks, WorkerThreads = 1, ProgressInterval = TimeSpan.FromMilliseconds(20), BlockTimeout = TimeSpan.FromSeconds(30) };
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UseSiloMetadata(new Dictionary<string, string> { [NodeRole.MetadataKey] = NodeRole.Training.Name });
            silo.AddMemoryGrainStorage(TrainingStorage.Name);
            silo.UseInMemoryReminderService();
            silo.Services.AddSingleton<ITrainingBlockStore>(store);
            silo.Services.AddRecoGridClusterTraining(store.Root);
            silo.Services.Configure<ClusterTrainingOptions>(o =>
            {
                o.Blocks = options.Blocks;
                o.WorkerThreads = options.WorkerThreads;
            });
        });
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return new TrainingCluster(cluster, root, store, options);
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }
    }
}
