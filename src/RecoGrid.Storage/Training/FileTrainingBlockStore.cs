using RecoGrid.Storage.FileSystem;

namespace RecoGrid.Storage.Training;

/// <summary>
/// The block store on the local (or a shared) file system: one file per block under <see cref="Root"/>. Writes go to
/// a temporary file renamed over the block, so a reader never sees half a block; they are not fsynced, because a job
/// whose scratch data is lost in a machine crash fails and is run again, leaving the serving model untouched.
/// </summary>
public sealed class FileTrainingBlockStore(string root) : ITrainingBlockStore
{
    /// <summary>The folder holding every job's blocks.</summary>
    public string Root { get; } = Path.GetFullPath(root);

    /// <inheritdoc />
    public Task WriteAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default) =>
        DurableFile.WriteAtomicAsync(PathOf(name), content, flushToDisk: false, cancellationToken);

    /// <inheritdoc />
    public async Task<byte[]> ReadAsync(string name, CancellationToken cancellationToken = default)
    {
        try
        {
            return await File.ReadAllBytesAsync(PathOf(name), cancellationToken);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new TrainingBlockNotFoundException(name);
        }
    }

    /// <inheritdoc />
    public Task<bool> ExistsAsync(string name, CancellationToken cancellationToken = default) => Task.FromResult(File.Exists(PathOf(name)));

    /// <inheritdoc />
    public Task DeleteAllAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var folder = PathOf(prefix);
        if (Directory.Exists(folder))
        {
            Directory.Delete(folder, recursive: true);
        }

        return Task.CompletedTask;
    }

    private string PathOf(string name) => Path.Combine([Root, .. TrainingBlockNames.Validate(name).Split('/')]);
}
