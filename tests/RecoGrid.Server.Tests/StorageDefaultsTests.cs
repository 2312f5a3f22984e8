using Microsoft.Extensions.Configuration;
using RecoGrid.Server.Configuration;
using RecoGrid.Server.Hosting;

namespace RecoGrid.Server.Tests;

/// <summary><c>Storage:Provider</c> switches the defaults of every store at once; a store's own setting still wins.</summary>
public sealed class StorageDefaultsTests
{
    private const string Connection = "UseDevelopmentStorage=true";

    private static ConfigurationManager Configure(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(settings);
        NodeConfigurationDefaults.Apply(configuration, "/tmp/recogrid-defaults");
        return configuration;
    }

    [Fact]
    public void WithoutSettingsEveryStoreIsOnTheFileSystemUnderTheDataFolder()
    {
        var configuration = Configure([]);
        foreach (var store in NodeConfigurationDefaults.GrainStores)
        {
            Assert.Equal("File", configuration[$"Orleans:GrainStorage:{store}:ProviderType"]);
        }

        Assert.Equal("file", configuration["Log:Provider"]);
        Assert.Equal("file", configuration["Models:Provider"]);
        Assert.Equal(Path.Combine("/tmp/recogrid-defaults", "log"), configuration["Log:RootDirectory"]);
    }

    [Fact]
    public void AzureStorageMovesEveryStoreToItsOwnContainerOnTheOneConnection()
    {
        var configuration = Configure(new() { ["Storage:Provider"] = "azure", ["Storage:ConnectionString"] = Connection, ["Storage:ContainerPrefix"] = "shop" });
        foreach (var store in NodeConfigurationDefaults.GrainStores)
        {
            Assert.Equal("AzureBlobStorage", configuration[$"Orleans:GrainStorage:{store}:ProviderType"]);
            Assert.Equal(Connection, configuration[$"Orleans:GrainStorage:{store}:ConnectionString"]);
            Assert.Equal($"shop-{store}", configuration[$"Orleans:GrainStorage:{store}:ContainerName"]);
        }

        Assert.Equal(("azure", Connection, "shop-log"), (configuration["Log:Provider"], configuration["Log:ConnectionString"], configuration["Log:ContainerName"]));
        Assert.Equal(("azure", Connection, "shop-models"), (configuration["Models:Provider"], configuration["Models:ConnectionString"], configuration["Models:ContainerName"]));
    }

    [Fact]
    public void AStoresOwnProviderOverridesTheNodeWideOne()
    {
        var configuration = Configure(new()
        {
            ["Storage:Provider"] = "azure",
            ["Storage:ConnectionString"] = Connection,
            ["Orleans:GrainStorage:catalog:ProviderType"] = "File",
            ["Log:Provider"] = "file",
        });
        Assert.Equal("File", configuration["Orleans:GrainStorage:catalog:ProviderType"]);
        Assert.Equal("AzureBlobStorage", configuration["Orleans:GrainStorage:users:ProviderType"]);
        Assert.Equal("file", configuration["Log:Provider"]);
        Assert.Equal("azure", configuration["Models:Provider"]);
    }

    [Fact]
    public void AServiceUriUsesTheSharedIdentityClientInsteadOfAConnectionString()
    {
        var configuration = Configure(new() { ["Storage:Provider"] = "azure", ["Storage:ServiceUri"] = "https://shop.blob.core.windows.net" });
        Assert.Equal("recogrid-storage", configuration["Orleans:GrainStorage:users:ServiceKey"]);
        Assert.Null(configuration["Orleans:GrainStorage:users:ConnectionString"]);
        Assert.Equal("https://shop.blob.core.windows.net", configuration["Log:ServiceUri"]);
    }

    [Theory]
    [InlineData("azure", null, "Storage:ConnectionString")]
    [InlineData("azure", "not a connection string", "is not an Azure Storage connection string")]
    [InlineData("s3", null, "Storage:Provider must be 'file' or 'azure'")]
    public void BadStorageSettingsAreRefusedNamingTheSetting(string provider, string? connection, string expected)
    {
        var result = new NodeStorageOptionsValidator().Validate(null, new NodeStorageOptions { Provider = provider, ConnectionString = connection });
        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("consul", null, "Cluster:Provider must be one of development, azure, redis, kubernetes")]
    [InlineData("redis", null, "Cluster:ConnectionString")]
    [InlineData("azure", null, "Azure Table membership needs Cluster:ConnectionString")]
    public void BadClusterSettingsAreRefusedNamingTheSetting(string provider, string? connection, string expected)
    {
        var validator = new ClusterMembershipOptionsValidator(Microsoft.Extensions.Options.Options.Create(new NodeStorageOptions()));
        var result = validator.Validate(null, new ClusterMembershipOptions { Provider = provider, ConnectionString = connection });
        Assert.True(result.Failed);
        Assert.Contains(expected, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void FailureDetectionSettingsOutsideTheirRangesAreRefusedNamingTheSetting()
    {
        var validator = new ClusterMembershipOptionsValidator(Microsoft.Extensions.Options.Options.Create(new NodeStorageOptions()));
        var tooShort = validator.Validate(null, new ClusterMembershipOptions { ProbeTimeout = TimeSpan.FromMilliseconds(200) });
        Assert.Contains("Cluster:ProbeTimeout must be between 1 second and 1 minute", tooShort.FailureMessage, StringComparison.Ordinal);
        var none = validator.Validate(null, new ClusterMembershipOptions { MissedProbesLimit = 0 });
        Assert.Contains("Cluster:MissedProbesLimit must be between 1 and 10", none.FailureMessage, StringComparison.Ordinal);
        Assert.True(validator.Validate(null, new ClusterMembershipOptions { ProbeTimeout = TimeSpan.FromSeconds(2), MissedProbesLimit = 3 }).Succeeded);
    }

    [Fact]
    public void AzureTableMembershipBorrowsTheStorageConnection()
    {
        var validator = new ClusterMembershipOptionsValidator(Microsoft.Extensions.Options.Options.Create(new NodeStorageOptions { Provider = "azure", ConnectionString = Connection }));
        Assert.True(validator.Validate(null, new ClusterMembershipOptions { Provider = "azure" }).Succeeded);
        Assert.True(validator.Validate(null, new ClusterMembershipOptions { Provider = "kubernetes" }).Succeeded);
    }
}

/// <summary>The projections' barrier follows their stores: the file-system barrier on files, none on Azure (every write durable).</summary>
public sealed class ProjectionDurabilityTests
{
    [Theory]
    [InlineData("file", typeof(RecoGrid.Server.Ingestion.FileSystemProjectionDurability))]
    [InlineData("azure", typeof(RecoGrid.Grains.Log.WritesAreDurable))]
    public void TheBarrierMatchesTheProjectionStores(string provider, Type expected)
    {
        var configuration = new ConfigurationManager();
        configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:Provider"] = provider, ["Storage:ConnectionString"] = "UseDevelopmentStorage=true" });
        NodeConfigurationDefaults.Apply(configuration, Path.GetTempPath());
        var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
        RecoGrid.Server.Ingestion.InteractionLogServiceCollectionExtensions.AddRecoGridInteractionLog(services, new NodeOptions { DataDir = Path.GetTempPath() }, configuration);
        var registered = services.Single(d => d.ServiceType == typeof(RecoGrid.Grains.Log.IProjectionDurability));
        Assert.IsType(expected, registered.ImplementationInstance);
    }
}
