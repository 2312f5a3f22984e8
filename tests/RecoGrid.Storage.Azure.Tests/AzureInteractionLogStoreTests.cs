using Azure.Storage.Blobs;
using RecoGrid.Storage.Azure.Log;
using RecoGrid.Storage.Log;
using RecoGrid.Storage.Tests.Log;

namespace RecoGrid.Storage.Azure.Tests;

/// <summary>The blob backend (on Azurite) against the interaction log contract.</summary>
public sealed class AzureInteractionLogStoreTests : InteractionLogStoreContract, IAsyncLifetime
{
    private readonly string _container = AzuriteServer.UniqueContainer("log");
    private AzuriteServer _azurite = null!;

    public async Task InitializeAsync() => _azurite = await AzuriteServer.GetAsync();

    public async Task DisposeAsync() => await new BlobServiceClient(_azurite.ConnectionString).GetBlobContainerClient(_container).DeleteIfExistsAsync();

    protected override IInteractionLogStore CreateStore(LogStoreSettings settings) =>
        new AzureInteractionLogStore(
            new AzureInteractionLogOptions
            {
                ConnectionString = _azurite.ConnectionString,
                ContainerName = _container,
                Partitions = settings.Partitions,
                SegmentBytes = settings.SegmentBytes,
                SegmentMaxAge = settings.SegmentMaxAge ?? TimeSpan.FromHours(1),
            },
            Time);

    protected override void FailNextAppend(IInteractionLogStore store, int partition)
    {
        var failed = 0;
        ((AzureInteractionLogStore)store).FaultInjector = (p, operation) =>
            p == partition && operation == AzureLogOperation.Append && Interlocked.Exchange(ref failed, 1) == 0
                ? new IOException("The storage account is unreachable (injected).")
                : null;
    }
}
