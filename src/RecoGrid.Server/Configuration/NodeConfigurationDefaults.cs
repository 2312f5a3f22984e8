using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using RecoGrid.Abstractions;
using RecoGrid.Server.Hosting;
using RecoGrid.Storage.Azure;
using RecoGrid.Storage.Azure.Grains;
using RecoGrid.Storage.Azure.Log;
using RecoGrid.Storage.Azure.Models;
using RecoGrid.Storage.Azure.Training;
using RecoGrid.Storage.FileSystem;
using RecoGrid.Storage.FileSystem.Log;

namespace RecoGrid.Server.Configuration;

/// <summary>
/// The embedded single-node defaults, as the lowest-priority configuration layer: every store (grain stores, the
/// interaction log, the model registry) on the local file system under the data folder, or, with
/// <c>Storage:Provider=azure</c>, every store on Azure Storage through <c>Storage:ConnectionString</c> (or
/// <c>Storage:ServiceUri</c>). Any source the user gives (files, environment, --set) overrides a default key by key, so
/// one store's backend is configuration too (<c>Orleans:GrainStorage:users:ProviderType</c>, <c>Log:Provider</c>).
/// </summary>
public static class NodeConfigurationDefaults
{
    /// <summary>Log partitions of a new embedded node: each flush of a partition is one fsync, so fewer share more.</summary>
    public const int DefaultLogPartitions = 8;

    /// <summary>The grain stores a node configures.</summary>
    public static IReadOnlyList<string> GrainStores { get; } = [StorageNames.Users, StorageNames.Catalog, StorageNames.Popularity, StorageNames.Keys, StorageNames.Experiments, Training.Cluster.TrainingStorage.Name];

    /// <summary>Inserts the defaults below every existing source of <paramref name="configuration"/>.</summary>
    public static void Apply(IConfigurationManager configuration, string dataDir)
    {
        // The node-wide Storage settings, as the user configured them, become each store's defaults.
        var storage = configuration.GetSection(NodeStorageOptions.Section).Get<NodeStorageOptions>() ?? new NodeStorageOptions();
        var defaults = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var azure = storage.IsAzure;
        var connection = AzureStorageConnection.Parse(storage.ConnectionString, storage.ServiceUri);
        foreach (var store in GrainStores)
        {
            var prefix = $"Orleans:GrainStorage:{store}:";
            defaults[prefix + "ProviderType"] = azure ? AzureGrainStorageServices.ProviderType : FileGrainStorageExtensions.ProviderType;

            // Read by Orleans' Azure blob provider; the file provider ignores them (and the other way round).
            defaults[prefix + "ContainerName"] = $"{storage.ContainerPrefix}-{store}";
            defaults[prefix + "SerializerKey"] = AzureGrainStorageServices.SerializerKey;
            if (connection.ServiceUri is not null)
            {
                defaults[prefix + "ServiceKey"] = AzureGrainStorageServices.ServiceKey;
            }
            else if (connection.ConnectionString is { } connectionString)
            {
                defaults[prefix + "ConnectionString"] = connectionString;
            }

            defaults[prefix + nameof(FileGrainStorageOptions.RootDirectory)] = Path.Combine(dataDir, "grains");
            // User and popularity state are projections of the interaction log, which is flushed on every append; their
            // checkpoints are made durable together by one barrier before a partition's recovery point moves.
            var projection = store is StorageNames.Users or StorageNames.Popularity;
            defaults[prefix + nameof(FileGrainStorageOptions.FlushToDisk)] = storage.FlushToDisk && !projection ? "true" : "false";
            defaults[prefix + nameof(FileGrainStorageOptions.IoThreads)] = storage.IoThreads.ToString(CultureInfo.InvariantCulture);
        }

        defaults["Log:" + nameof(FileInteractionLogOptions.RootDirectory)] = Path.Combine(dataDir, "log");
        defaults["Log:" + nameof(FileInteractionLogOptions.Partitions)] = DefaultLogPartitions.ToString(CultureInfo.InvariantCulture);
        defaults["Log:" + nameof(FileInteractionLogOptions.FlushToDisk)] = storage.FlushToDisk ? "true" : "false";
        defaults["Log:" + nameof(StoreProviderOptions.Provider)] = azure ? NodeStorageOptions.AzureProvider : NodeStorageOptions.FileProvider;
        defaults["Log:" + nameof(AzureInteractionLogOptions.ContainerName)] = $"{storage.ContainerPrefix}-log";
        defaults["Models:" + nameof(StoreProviderOptions.Provider)] = azure ? NodeStorageOptions.AzureProvider : NodeStorageOptions.FileProvider;
        defaults["Models:" + nameof(AzureModelRegistryOptions.ContainerName)] = $"{storage.ContainerPrefix}-models";
        defaults["Models:" + nameof(AzureModelRegistryOptions.CacheDirectory)] = Path.Combine(dataDir, "model-cache");
        defaults[AzureTrainingBlockStoreOptions.SectionName + ":" + nameof(StoreProviderOptions.Provider)] = azure ? NodeStorageOptions.AzureProvider : NodeStorageOptions.FileProvider;
        defaults[AzureTrainingBlockStoreOptions.SectionName + ":" + nameof(AzureTrainingBlockStoreOptions.ContainerName)] = $"{storage.ContainerPrefix}-training-blocks";
        foreach (var section in new[] { "Log", "Models", AzureTrainingBlockStoreOptions.SectionName })
        {
            if (storage.ConnectionString is { Length: > 0 } connectionString)
            {
                defaults[section + ":ConnectionString"] = connectionString;
            }

            if (storage.ServiceUri is { Length: > 0 } serviceUri)
            {
                defaults[section + ":ServiceUri"] = serviceUri;
            }
        }

        // Orleans' watchdog reads its participant-check timestamp before setting it on start, so its first check reports
        // "has not completed for" the machine's uptime: a false alarm. Real stalls still count in Orleans' metric
        // orleans-watchdog-health-checks-failed and lower the silo's health score, which membership logs.
        defaults["Logging:LogLevel:Orleans.Runtime.Watchdog"] = "Error";
        configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = defaults });
    }
}
