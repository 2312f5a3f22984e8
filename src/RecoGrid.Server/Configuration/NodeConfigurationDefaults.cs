using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Configuration.Memory;
using RecoGrid.Abstractions;
using RecoGrid.Server.Hosting;
using RecoGrid.Storage.FileSystem;
using RecoGrid.Storage.FileSystem.Log;

namespace RecoGrid.Server.Configuration;

/// <summary>
/// The embedded single-node defaults, as the lowest-priority configuration layer: every grain store on the local
/// file system under the data folder. Any source the user gives (files, environment, --set) overrides a default key by
/// key, so choosing another backend is configuration (<c>Orleans:GrainStorage:users:ProviderType</c>), not code.
/// </summary>
public static class NodeConfigurationDefaults
{
    /// <summary>Log partitions of a new embedded node: each flush of a partition is one fsync, so fewer share more.</summary>
    public const int DefaultLogPartitions = 8;

    /// <summary>The grain stores a node configures.</summary>
    public static IReadOnlyList<string> GrainStores { get; } = [StorageNames.Users, StorageNames.Catalog, StorageNames.Popularity, StorageNames.Keys];

    /// <summary>Inserts the defaults below every existing source of <paramref name="configuration"/>.</summary>
    public static void Apply(IConfigurationManager configuration, string dataDir)
    {
        // The node-wide Storage settings, as the user configured them, become each store's defaults.
        var storage = configuration.GetSection(NodeStorageOptions.Section).Get<NodeStorageOptions>() ?? new NodeStorageOptions();
        var defaults = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var store in GrainStores)
        {
            var prefix = $"Orleans:GrainStorage:{store}:";
            defaults[prefix + "ProviderType"] = FileGrainStorageExtensions.ProviderType;
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
        // Orleans' watchdog reads its participant-check timestamp before setting it on start, so its first check reports
        // "has not completed for" the machine's uptime: a false alarm. Real stalls still count in Orleans' metric
        // orleans-watchdog-health-checks-failed and lower the silo's health score, which membership logs.
        defaults["Logging:LogLevel:Orleans.Runtime.Watchdog"] = "Error";
        configuration.Sources.Insert(0, new MemoryConfigurationSource { InitialData = defaults });
    }
}
