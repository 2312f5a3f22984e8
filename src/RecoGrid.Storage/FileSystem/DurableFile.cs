using System.Runtime.InteropServices;

namespace RecoGrid.Storage.FileSystem;

/// <summary>Atomic, durable replacement of a file: write a temporary file, flush it, rename it over the target.</summary>
public static partial class DurableFile
{
    /// <summary>Replaces <paramref name="path"/> with <paramref name="content"/> so a crash leaves either the old or the new file.</summary>
    /// <param name="overwrite">When false, fails with <see cref="IOException"/> if <paramref name="path"/> exists (an atomic create).</param>
    public static async Task WriteAtomicAsync(string path, ReadOnlyMemory<byte> content, bool flushToDisk, CancellationToken cancellationToken = default, bool overwrite = true)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            await using (var stream = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                Options = FileOptions.Asynchronous,
                BufferSize = 0,
            }))
            {
                await stream.WriteAsync(content, cancellationToken);
                if (flushToDisk)
                {
                    stream.Flush(flushToDisk: true);
                }
            }

            File.Move(temp, path, overwrite);
            if (flushToDisk)
            {
                SyncDirectory(directory);
            }
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Deletes a file and makes the deletion durable.</summary>
    public static void Delete(string path, bool flushToDisk)
    {
        if (!File.Exists(path))
        {
            return;
        }

        File.Delete(path);
        if (flushToDisk)
        {
            SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        }
    }

    /// <summary>
    /// Deletes the temporary files <see cref="WriteAtomicAsync"/> leaves when a process dies mid-write, anywhere under
    /// <paramref name="root"/>, if last written before <paramref name="olderThan"/> (so a write in flight in another
    /// process sharing the folder is left alone). Returns how many were deleted.
    /// </summary>
    public static int DeleteStaleTemporaryFiles(string root, DateTimeOffset olderThan)
    {
        if (!Directory.Exists(root))
        {
            return 0;
        }

        var deleted = 0;
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        foreach (var file in new DirectoryInfo(root).EnumerateFiles(".*.tmp", options))
        {
            if (IsTemporaryName(file.Name) && file.LastWriteTimeUtc < olderThan.UtcDateTime)
            {
                TryDelete(file.FullName);
                deleted += File.Exists(file.FullName) ? 0 : 1;
            }
        }

        return deleted;
    }

    // ".{name}.{32 hex digits}.tmp", as WriteAtomicAsync names them.
    private static bool IsTemporaryName(string name)
    {
        const int GuidLength = 32;
        var stem = name.Length - ".tmp".Length;
        return name.Length > 1 + 1 + GuidLength + 1 + 4 && name[0] == '.' && name[stem - GuidLength - 1] == '.' &&
            name.AsSpan(stem - GuidLength, GuidLength).ContainsAnyExcept("0123456789abcdef") is false;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // The temporary file is garbage either way; a later write replaces it.
        }
    }

    /// <summary>Makes the creation, rename or deletion of entries in <paramref name="directory"/> durable (a no-op where the OS does not need it).</summary>
    // The rename is only durable once the directory entry is; .NET has no API to fsync a directory.
    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
        {
            return;
        }

        var fd = Open(directory, 0);
        if (fd < 0)
        {
            return;
        }

        try
        {
            _ = FSync(fd);
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>
    /// Flushes every write made so far to the file system holding <paramref name="path"/> (Linux <c>syncfs</c>; a
    /// global flush elsewhere), for stores that write without a flush each and need one barrier before moving on.
    /// </summary>
    public static void SyncFileSystem(string path)
    {
        if (!OperatingSystem.IsLinux())
        {
            if (OperatingSystem.IsMacOS())
            {
                Sync();
            }

            return;
        }

        var fd = Open(path, 0);
        if (fd < 0)
        {
            throw new IOException($"Cannot open '{path}' to flush its file system.");
        }

        try
        {
            if (SyncFs(fd) != 0)
            {
                throw new IOException($"Flushing the file system of '{path}' failed (errno {Marshal.GetLastPInvokeError()}).");
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "syncfs", SetLastError = true)]
    private static partial int SyncFs(int fd);

    [LibraryImport("libc", EntryPoint = "sync")]
    private static partial void Sync();

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int FSync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
