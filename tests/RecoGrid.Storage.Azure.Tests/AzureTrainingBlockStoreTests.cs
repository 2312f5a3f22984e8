using Azure.Storage.Blobs;
using RecoGrid.Storage.Azure.Training;
using RecoGrid.Storage.Tests.Training;
using RecoGrid.Storage.Training;

namespace RecoGrid.Storage.Azure.Tests;

/// <summary>The training block store contract on blobs (Azurite): what lets training silos on different machines share blocks.</summary>
public sealed class AzureTrainingBlockStoreTests : TrainingBlockStoreContract, IAsyncLifetime
{
    private readonly string _container = AzuriteServer.UniqueContainer("blocks");
    private AzuriteServer _azurite = null!;

    public async Task InitializeAsync() => _azurite = await AzuriteServer.GetAsync();

    public async Task DisposeAsync() =>
        await new BlobServiceClient(_azurite.ConnectionString).GetBlobContainerClient(_container).DeleteIfExistsAsync();

    protected override ITrainingBlockStore NewStore() =>
        new AzureTrainingBlockStore(new AzureTrainingBlockStoreOptions { ConnectionString = _azurite.ConnectionString, ContainerName = _container });

    [Fact]
    public void AMissingConnectionIsRefusedNamingTheSetting()
    {
        var problem = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => new AzureTrainingBlockStore(new AzureTrainingBlockStoreOptions()));
        Assert.Contains("TrainingBlocks:ConnectionString", problem.Message, StringComparison.Ordinal);
    }
}
