using System.Globalization;
using System.Text;
using RecoGrid.Server;
using RecoGrid.Server.Ingestion;
using RecoGrid.Storage.FileSystem.Log;

namespace RecoGrid.Cli.Offline;

/// <summary>The interaction log of a data folder, opened read-only for offline commands (safe while a server runs).</summary>
internal static class OfflineLog
{
    // Tab-separated: ids may hold commas and quotes but never a control character, so no field ever needs quoting.
    public const string Header = "user\titem\tvalue\ttimestamp\ttype\tevent_id";

    public static FileInteractionLogStore Open(string dataDir)
    {
        var root = Path.Combine(Path.GetFullPath(dataDir), "log");
        var partitions = FileInteractionLogStore.StoredPartitions(root)
            ?? throw new OfflineUsageException($"--data-dir: '{Path.GetFullPath(dataDir)}' has no interaction log (it is created by `recogrid serve --data-dir {dataDir}` on its first start).");
        return new FileInteractionLogStore(new FileInteractionLogOptions { RootDirectory = root, Partitions = partitions });
    }

    /// <summary>Writes the snapshot as a tab-separated file that `recogrid train --input` reads as it is; returns what it wrote.</summary>
    public static async Task<LogSnapshotStatistics> ExportAsync(FileInteractionLogStore store, string path, DateTimeOffset? until, Action<long>? progress, CancellationToken cancellationToken)
    {
        var statistics = new LogSnapshotStatistics();
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        var temp = path + ".partial";
        await using (var writer = new StreamWriter(temp, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), 1 << 16))
        {
            await writer.WriteLineAsync(Header);
            long written = 0;
            await foreach (var e in LogSnapshot.ReadAsync(store, until, statistics, cancellationToken))
            {
                await writer.WriteLineAsync(string.Join('\t',
                    e.UserId,
                    e.ItemId,
                    e.Weight.ToString("R", CultureInfo.InvariantCulture),
                    e.Timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
                    e.Type,
                    e.EventId ?? ""));
                if ((++written & 0xFFFF) == 0)
                {
                    progress?.Invoke(written);
                }
            }
        }

        File.Move(temp, path, overwrite: true);
        return statistics;
    }

    /// <summary>The default data folder, as `recogrid serve` uses it.</summary>
    public static string DefaultDataDir => NodeOptions.DefaultDataDir;
}
