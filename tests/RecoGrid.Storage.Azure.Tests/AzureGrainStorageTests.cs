using System.Net;
using System.Net.Sockets;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Storage;
using RecoGrid.Storage.Azure.Grains;
using RecoGrid.Storage.Tests;

namespace RecoGrid.Storage.Azure.Tests;

/// <summary>
/// A silo whose grain stores are Orleans' Azure blob provider on Azurite, chosen by configuration alone
/// (<c>ProviderType = AzureBlobStorage</c>), with RecoGrid's binary serializer: one store, in its own container, per test.
/// </summary>
public sealed class AzureGrainStorageSilo : IAsyncLifetime
{
    private const int Stores = 24;
    private readonly string[] _containers = [.. Enumerable.Range(0, Stores).Select(_ => AzuriteServer.UniqueContainer("grains"))];
    private int _taken = -1;

    public IHost Host { get; private set; } = null!;

    public string ConnectionString { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        ConnectionString = (await AzuriteServer.GetAsync()).ConnectionString;
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        var settings = new Dictionary<string, string?>();
        for (var i = 0; i < Stores; i++)
        {
            settings[$"Orleans:GrainStorage:s{i}:ProviderType"] = AzureGrainStorageServices.ProviderType;
            settings[$"Orleans:GrainStorage:s{i}:ConnectionString"] = ConnectionString;
            settings[$"Orleans:GrainStorage:s{i}:ContainerName"] = _containers[i];
            settings[$"Orleans:GrainStorage:s{i}:SerializerKey"] = AzureGrainStorageServices.SerializerKey;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddRecoGridGrainStateSerializer();
        builder.UseOrleans(silo => silo.UseLocalhostClustering(FreePort(), FreePort()));
        Host = builder.Build();
        await Host.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await Host.StopAsync();
        Host.Dispose();
        var service = new BlobServiceClient(ConnectionString);
        foreach (var container in _containers)
        {
            await service.GetBlobContainerClient(container).DeleteIfExistsAsync();
        }
    }

    /// <summary>A store no other test has used.</summary>
    public IGrainStorage TakeStore()
    {
        var index = Interlocked.Increment(ref _taken);
        return index < Stores
            ? Host.Services.GetRequiredKeyedService<IGrainStorage>("s" + index)
            : throw new InvalidOperationException($"Only {Stores} stores are configured; raise the count.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>The grain-state contract on Orleans' own Azure blob provider (Azurite).</summary>
public sealed class AzureGrainStorageTests(AzureGrainStorageSilo silo) : GrainStorageContract, IClassFixture<AzureGrainStorageSilo>
{
    private readonly IGrainStorage _storage = silo.TakeStore();

    protected override IGrainStorage NewStorage() => _storage;

    [Fact]
    public void ConfigurationAloneSelectsOrleansAzureBlobProvider() =>
        Assert.IsType<AzureBlobGrainStorage>(NewStorage());
}
