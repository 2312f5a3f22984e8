using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Runtime.Hosting;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.TestingHost;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Common;
using RecoGrid.Storage.FileSystem;
using RecoGrid.Storage.FileSystem.Log;

namespace RecoGrid.Grains.Tests;

/// <summary>A one-silo in-process cluster on real file storage in a temporary folder, with a fake RecoGrid clock.</summary>
public sealed class ClusterFixture : IAsyncLifetime, IAsyncDisposable
{
    /// <summary>A cluster of its own, for a test that changes what the shared one relies on (its clock, its files).</summary>
    public static async Task<ClusterFixture> StartAsync()
    {
        var fixture = new ClusterFixture();
        await fixture.InitializeAsync();
        return fixture;
    }

    public string DataDir { get; } = Path.Combine(Path.GetTempPath(), "recogrid-grains-" + Guid.NewGuid().ToString("N"));

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    /// <summary>Log partitions (and so popularity shards) of the test cluster.</summary>
    public const int Partitions = 4;

    /// <summary>Wraps the users storage so tests can count and hold writes.</summary>
    public GatedStorage UserStorage { get; private set; } = null!;

    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IGrainFactory Grains => Cluster.Client;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.Services.AddKeyedSingleton<TimeProvider>(RecoGridClock.Key, Time);
            silo.Services.AddGrainStorage(StorageNames.Users, (sp, name) =>
            {
                var inner = new FileGrainStorage(name, new FileGrainStorageOptions { RootDirectory = DataDir }, new OrleansGrainStorageSerializer(sp.GetRequiredService<Serializer>()));
                return UserStorage = new GatedStorage(inner);
            });
            silo.AddFileGrainStorage(StorageNames.Catalog, o => o.RootDirectory = DataDir);
            silo.AddFileGrainStorage(StorageNames.Popularity, o => o.RootDirectory = DataDir);
            silo.Services.AddFileInteractionLog().Configure(o =>
            {
                o.RootDirectory = Path.Combine(DataDir, "log");
                o.Partitions = Partitions;
                o.FlushToDisk = false;
            });
            silo.Services.AddRecoGridGrains();
            silo.Services.Configure<PopularityOptions>(o => o.HalfLife = TimeSpan.FromDays(1));
            silo.Services.Configure<CatalogOptions>(o => o.Shards = 4);
            silo.Services.Configure<UserOptions>(o => o.RecentCapacity = 5);
        });
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    ValueTask IAsyncDisposable.DisposeAsync() => new(DisposeAsync());

    public async Task DisposeAsync()
    {
        await Cluster.DisposeAsync();
        if (Directory.Exists(DataDir))
        {
            Directory.Delete(DataDir, recursive: true);
        }
    }

    /// <summary>Moves RecoGrid's clock past every refresh interval, so caches reload on next use.</summary>
    public void ExpireCaches() => Time.Advance(TimeSpan.FromSeconds(10));
}

/// <summary>A storage decorator that counts writes and can hold them until released.</summary>
public sealed class GatedStorage(IGrainStorage inner) : IGrainStorage
{
    private TaskCompletionSource? _gate;
    private int _writes;
    private volatile bool _failing;

    public int Writes => Volatile.Read(ref _writes);

    /// <summary>From now on, writes wait until <see cref="Open"/> is called.</summary>
    public void Close() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Open() => _gate?.TrySetResult();

    /// <summary>From now on, writes fail (as when the disk is full) until <see cref="Heal"/> is called.</summary>
    public void Fail() => _failing = true;

    public void Heal() => _failing = false;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ReadStateAsync(stateName, grainId, grainState);

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        Interlocked.Increment(ref _writes);
        if (_gate is { } gate)
        {
            await gate.Task;
        }

        if (_failing)
        {
            throw new IOException("No space left on device (injected by the test).");
        }

        await inner.WriteStateAsync(stateName, grainId, grainState);
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        inner.ClearStateAsync(stateName, grainId, grainState);
}

[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
