using RecoGrid.Grains.Log;
using RecoGrid.Storage.FileSystem;

namespace RecoGrid.Server.Ingestion;

/// <summary>
/// The projections' barrier on the local file system: user and popularity checkpoints are written without an fsync
/// each (the log holds the events), and one <c>syncfs</c> of the data folder's file system makes them all durable
/// before a partition moves its recovery point.
/// </summary>
public sealed class FileSystemProjectionDurability(string dataDir) : IProjectionDurability
{
    public Task FlushAsync(CancellationToken cancellationToken) =>
        Task.Run(() => DurableFile.SyncFileSystem(dataDir), cancellationToken);
}
