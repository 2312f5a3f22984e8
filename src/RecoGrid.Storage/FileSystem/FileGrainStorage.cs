using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Orleans.Storage;

namespace RecoGrid.Storage.FileSystem;

/// <summary>
/// Grain storage on the local file system: one file per grain, replaced atomically,
/// with an ETag (a write counter kept in the file) for optimistic concurrency.
/// </summary>
public sealed class FileGrainStorage(string name, FileGrainStorageOptions options, IGrainStorageSerializer serializer) : IGrainStorage
{
    private static readonly byte[] Magic = "RGS1"u8.ToArray();
    private const int HeaderSize = 4 + 8 + 4;
    private readonly string _root = Path.GetFullPath(options.RootDirectory);

    /// <summary>The provider name this instance was registered under.</summary>
    public string Name { get; } = name;

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var stored = await ReadFileAsync(PathFor(stateName, grainId));
        if (stored is null)
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
            return;
        }

        grainState.State = serializer.Deserialize<T>(new BinaryData(stored.Value.Payload));
        grainState.ETag = stored.Value.ETag.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathFor(stateName, grainId);
        var payload = serializer.Serialize(grainState.State).ToMemory();
        long next;
        using (var current = await LockCurrentAsync(path))
        {
            CheckETag(stateName, grainId, current?.ETag, grainState.ETag);
            next = (current?.ETag ?? 0) + 1;
            var buffer = new byte[HeaderSize + payload.Length];
            Magic.CopyTo(buffer, 0);
            BinaryPrimitives.WriteInt64LittleEndian(buffer.AsSpan(4), next);
            BinaryPrimitives.WriteInt32LittleEndian(buffer.AsSpan(12), payload.Length);
            payload.Span.CopyTo(buffer.AsSpan(HeaderSize));
            try
            {
                // A first write must not replace a file another writer created meanwhile; later writes hold the lock.
                await DurableFile.WriteAtomicAsync(path, buffer, options.FlushToDisk, overwrite: current is not null);
            }
            catch (IOException) when (current is null && File.Exists(path))
            {
                throw Conflict(stateName, grainId, "a file created by another writer", grainState.ETag);
            }
        }

        grainState.ETag = next.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = true;
    }

    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var path = PathFor(stateName, grainId);
        using (var current = await LockCurrentAsync(path))
        {
            CheckETag(stateName, grainId, current?.ETag, grainState.ETag);
            DurableFile.Delete(path, options.FlushToDisk);
        }

        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    private void CheckETag(string stateName, GrainId grainId, long? stored, string? expected)
    {
        var storedText = stored?.ToString(CultureInfo.InvariantCulture);
        if (!string.Equals(storedText, expected, StringComparison.Ordinal))
        {
            throw Conflict(stateName, grainId, storedText ?? "none", expected);
        }
    }

    private InconsistentStateException Conflict(string stateName, GrainId grainId, string stored, string? expected) =>
        new($"Storage '{Name}': state '{stateName}' of {grainId} was changed by another writer (stored ETag {stored}, expected {expected ?? "none"}).", stored, expected ?? string.Empty);

    // Keys may hold any printable character and be long, so files are named by a hash of the grain id.
    private string PathFor(string stateName, GrainId grainId)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(grainId.ToString())));
        return Path.Combine(_root, Sanitize(stateName), Sanitize(grainId.Type.ToString() ?? "grain"), hash[..2], hash + ".state");
    }

    private static string Sanitize(string segment)
    {
        var builder = new StringBuilder(segment.Length);
        foreach (var c in segment)
        {
            builder.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_');
        }

        return builder.ToString();
    }

    /// <summary>
    /// Opens the current file exclusively (an advisory lock every writer of this storage takes, in any process) and
    /// reads its ETag; null when there is no file. The lock is held until the returned handle is disposed, so the
    /// ETag check and the replacement are one step for every other writer.
    /// </summary>
    private static async Task<LockedFile?> LockCurrentAsync(string path)
    {
        for (var attempt = 0; ; attempt++)
        {
            FileStream stream;
            try
            {
                stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.None, bufferSize: 0, useAsync: false);
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                return null;
            }
            catch (IOException) when (attempt < 400)
            {
                // Another writer holds the lock; its write takes milliseconds.
                await Task.Delay(5);
                continue;
            }

            try
            {
                var header = new byte[HeaderSize];
                stream.ReadExactly(header);
                return new LockedFile(stream, ParseHeader(header, path).ETag);
            }
            catch (EndOfStreamException)
            {
                stream.Dispose();
                throw new InvalidDataException($"Grain state file '{path}' is truncated: shorter than its header.");
            }
            catch
            {
                stream.Dispose();
                throw;
            }
        }
    }

    private sealed class LockedFile(FileStream stream, long etag) : IDisposable
    {
        public long ETag { get; } = etag;

        public void Dispose() => stream.Dispose();
    }

    private static async Task<(long ETag, byte[] Payload)?> ReadFileAsync(string path)
    {
        byte[] bytes;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                bytes = await File.ReadAllBytesAsync(path);
                break;
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                return null;
            }
            catch (IOException) when (attempt < 400)
            {
                // A writer holds the file's lock for the few milliseconds of its replacement.
                await Task.Delay(5);
            }
        }

        var (etag, length) = ParseHeader(bytes, path);
        if (length != bytes.Length - HeaderSize)
        {
            throw new InvalidDataException($"Grain state file '{path}' is truncated: header says {length} bytes, file holds {bytes.Length - HeaderSize}.");
        }

        return (etag, bytes[HeaderSize..]);
    }

    private static (long ETag, int Length) ParseHeader(ReadOnlySpan<byte> bytes, string path)
    {
        if (bytes.Length < HeaderSize || !bytes[..4].SequenceEqual(Magic))
        {
            throw new InvalidDataException($"Grain state file '{path}' is not a RecoGrid state file (bad header).");
        }

        return (BinaryPrimitives.ReadInt64LittleEndian(bytes[4..]), BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]));
    }
}
