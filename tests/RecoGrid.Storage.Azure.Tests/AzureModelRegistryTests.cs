using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using RecoGrid.Storage.Azure.Models;
using RecoGrid.Storage.Models;
using RecoGrid.Storage.Tests;

namespace RecoGrid.Storage.Azure.Tests;

/// <summary>The model registry contract on blobs (Azurite), plus retention and the cache of downloaded versions.</summary>
public sealed class AzureModelRegistryTests : ModelRegistryContract, IAsyncLifetime
{
    private readonly string _container = AzuriteServer.UniqueContainer("models");
    private readonly string _cache = Path.Combine(Path.GetTempPath(), "recogrid-model-cache-" + Guid.NewGuid().ToString("N"));
    private AzuriteServer _azurite = null!;

    public async Task InitializeAsync() => _azurite = await AzuriteServer.GetAsync();

    public async Task DisposeAsync()
    {
        await new BlobServiceClient(_azurite.ConnectionString).GetBlobContainerClient(_container).DeleteIfExistsAsync();
        if (Directory.Exists(_cache))
        {
            Directory.Delete(_cache, recursive: true);
        }
    }

    protected override IModelRegistry NewRegistry() => NewAzureRegistry();

    [Fact]
    public async Task OnlyTheNewestVersionsAndTheActiveOneAreKept()
    {
        var registry = NewAzureRegistry(retain: 2);
        await registry.AddAsync(Version("one"));
        await registry.PromoteAsync("v1");
        foreach (var content in new[] { "two", "three", "four" })
        {
            await registry.AddAsync(Version(content));
        }

        var state = await NewAzureRegistry(retain: 2).GetAsync();
        Assert.Equal(["v1", "v4"], state.Versions.Select(v => v.Version).ToArray());
        Assert.Equal("v1", state.Active);
        await Assert.ThrowsAsync<ModelRegistryException>(() => registry.MaterializeAsync("v2"));
        var blobs = new BlobServiceClient(_azurite.ConnectionString).GetBlobContainerClient(_container).GetBlobsAsync(BlobTraits.None, BlobStates.None, "sets/", CancellationToken.None);
        var sets = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var blob in blobs)
        {
            sets.Add(blob.Name.Split('/')[1]);
        }

        Assert.Equal(2, sets.Count);
        Assert.Equal("v5", (await registry.AddAsync(Version("five"))).Version);
    }

    [Fact]
    public async Task AMaterializedVersionIsALocalFolderDownloadedOnce()
    {
        var registry = NewAzureRegistry();
        await registry.AddAsync(Version("one"));
        var folder = await registry.MaterializeAsync("v1");
        Assert.StartsWith(_cache, folder, StringComparison.Ordinal);
        Assert.Equal("one", await File.ReadAllTextAsync(Path.Combine(folder, "deep", "model.txt")));
        Assert.Equal(folder, await NewAzureRegistry().MaterializeAsync("v1"));
        Assert.Single(Directory.EnumerateDirectories(_cache));
    }

    private AzureModelRegistry NewAzureRegistry(int retain = 10) => new(new AzureModelRegistryOptions
    {
        ConnectionString = _azurite.ConnectionString,
        ContainerName = _container,
        Retain = retain,
        CacheDirectory = _cache,
    });

    private static Func<string, CancellationToken, Task<ModelVersionInfo>> Version(string content) => async (staging, ct) =>
    {
        Directory.CreateDirectory(Path.Combine(staging, "deep"));
        await File.WriteAllTextAsync(Path.Combine(staging, "deep", "model.txt"), content, ct);
        return new ModelVersionInfo("pending", DateTimeOffset.UnixEpoch, "test", 1, 1, null);
    };
}
