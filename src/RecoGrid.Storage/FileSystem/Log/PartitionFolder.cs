using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace RecoGrid.Storage.FileSystem.Log;

/// <summary>
/// The files of one partition, <c>{root}/p{partition:D3}/</c>: segments <c>{firstSequence:D20}.seg</c> (the last one active),
/// their indexes <c>.idx</c>, <c>writer.lock</c> and <c>rewrite.lock</c>, and <c>meta/</c> for metadata blobs.
/// Temporary files start with a dot and end in <c>.tmp</c>.
/// </summary>
internal sealed class PartitionFolder(string root, int partition)
{
    public const string TempSuffix = ".tmp";

    public int Partition { get; } = partition;

    public string Path { get; } = System.IO.Path.Combine(root, "p" + partition.ToString("D3", CultureInfo.InvariantCulture));

    public string WriterLockPath => System.IO.Path.Combine(Path, "writer.lock");

    public string RewriteLockPath => System.IO.Path.Combine(Path, "rewrite.lock");

    public string MetadataFolder => System.IO.Path.Combine(Path, "meta");

    public string SegmentPath(long firstSequence) => System.IO.Path.Combine(Path, SegmentFormat.SegmentFileName(firstSequence));

    public string IndexPath(long firstSequence) => System.IO.Path.Combine(Path, SegmentFormat.IndexFileName(firstSequence));

    public string TempPath(string purpose) => System.IO.Path.Combine(Path, $".{purpose}.{Guid.NewGuid():N}{TempSuffix}");

    /// <summary>First sequence numbers of the segments on disk, ascending.</summary>
    public List<long> ListSegments()
    {
        var segments = new List<long>();
        if (!Directory.Exists(Path))
        {
            return segments;
        }

        foreach (var file in Directory.EnumerateFiles(Path, "*" + SegmentFormat.SegmentExtension))
        {
            if (SegmentFormat.TryParseSegmentFileName(System.IO.Path.GetFileName(file), out var first))
            {
                segments.Add(first);
            }
        }

        segments.Sort();
        return segments;
    }

    public IEnumerable<string> ListTempFiles() =>
        Directory.Exists(Path) ? Directory.EnumerateFiles(Path, "." + "*" + TempSuffix) : [];

    public SafeFileHandle OpenForRead(string path) =>
        File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.Asynchronous);

    /// <summary>
    /// Takes an exclusive lock file. .NET implements <see cref="FileShare.None"/> with <c>flock</c> on Unix, so this excludes
    /// other processes as well as other handles in this one; null when someone else holds it.
    /// </summary>
    public static SafeFileHandle? TryLock(string path)
    {
        try
        {
            return File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException) when (File.Exists(path))
        {
            return null;
        }
    }

    /// <summary>Reads and checks a segment's header; returns when the segment was created.</summary>
    public static DateTimeOffset ReadHeader(SafeFileHandle handle, string path, long firstSequence)
    {
        Span<byte> header = stackalloc byte[SegmentFormat.HeaderSize];
        var read = RandomAccess.Read(handle, header, 0);
        return SegmentFormat.ReadHeader(header[..read], path, firstSequence);
    }

    /// <summary>
    /// Creates segment <paramref name="firstSequence"/> with its header: written to a temporary file, flushed, then renamed,
    /// so a segment file always has a whole header. Returns a handle open for appending.
    /// </summary>
    public SafeFileHandle CreateSegment(long firstSequence, DateTimeOffset createdAt, bool flushToDisk)
    {
        Directory.CreateDirectory(Path);
        var temp = TempPath("segment");
        var target = SegmentPath(firstSequence);
        try
        {
            using (var handle = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read))
            {
                Span<byte> header = stackalloc byte[SegmentFormat.HeaderSize];
                SegmentFormat.WriteHeader(header, firstSequence, createdAt);
                RandomAccess.Write(handle, header, 0);
                if (flushToDisk)
                {
                    RandomAccess.FlushToDisk(handle);
                }
            }

            File.Move(temp, target, overwrite: false);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }

        if (flushToDisk)
        {
            DurableFile.SyncDirectory(Path);
        }

        return OpenForAppend(target);
    }

    public static SafeFileHandle OpenForAppend(string path) =>
        File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite, FileShare.Read | FileShare.Delete);

    /// <summary>Marks a sealed segment read-only so nothing but a compaction (which replaces the file) changes it.</summary>
    public static void MakeReadOnly(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            // A read-only file cannot be replaced by a rename on Windows, which compaction needs.
            return;
        }

        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
    }

    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Leftover temporary files are removed again when the partition is next opened.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
