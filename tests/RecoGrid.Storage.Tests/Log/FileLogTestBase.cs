using Microsoft.Extensions.Time.Testing;
using RecoGrid.Storage.FileSystem.Log;

namespace RecoGrid.Storage.Tests.Log;

/// <summary>A temporary log folder per test, removed afterwards, and stores over it.</summary>
public abstract class FileLogTestBase : IDisposable
{
    protected string Root { get; } = Path.Combine(Path.GetTempPath(), "recogrid-log-" + Guid.NewGuid().ToString("N"));

    protected FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero));

    internal ListLogger<FileInteractionLogStore> Logs { get; } = new();

    public void Dispose()
    {
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }

        GC.SuppressFinalize(this);
    }

    protected FileInteractionLogStore NewStore(long segmentBytes = 1024 * 1024, int partitions = 2, bool flushToDisk = true) =>
        new(new FileInteractionLogOptions { RootDirectory = Root, Partitions = partitions, SegmentBytes = segmentBytes, FlushToDisk = flushToDisk }, Clock, Logs);

    protected string SegmentFile(int partition, long first) => Path.Combine(Root, $"p{partition:D3}", $"{first:D20}.seg");

    /// <summary>Changes a file that may be a read-only sealed segment.</summary>
    protected static void Patch(string path, Action<FileStream> change)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        change(stream);
    }
}
