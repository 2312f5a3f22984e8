using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace RecoGrid.Training.Artifacts;

/// <summary>
/// Reads one user's vector by id without loading all users: a binary search over the hash-sorted
/// <c>user_index.bin</c>, a check of the id against <c>user_ids.txt</c> through the index's offsets table, then
/// one read of d floats from <c>user_factors.bin</c>. Positional reads only, so it is safe to share across threads.
/// When the artifact records training history (<c>user_history.bin</c>), a user's trained items are read the same way:
/// two offsets, then one read of the user's item rows.
/// </summary>
public sealed class UserVectorLookup : IDisposable
{
    private const int StackIdBytes = 256;

    private readonly string _directory;
    private readonly SafeFileHandle _index;
    private readonly SafeFileHandle _ids;
    private readonly SafeFileHandle _factors;
    private readonly SafeFileHandle? _history;
    private readonly long _historyLength;
    private readonly long _entriesOffset;
    private readonly long _offsetsOffset;

    private UserVectorLookup(string directory, SafeFileHandle index, SafeFileHandle ids, SafeFileHandle factors, SafeFileHandle? history, int count, int d, long entriesOffset, long offsetsOffset)
    {
        _history = history;
        _historyLength = history is null ? 0 : RandomAccess.GetLength(history);
        _directory = directory;
        _index = index;
        _ids = ids;
        _factors = factors;
        Count = count;
        Factors = d;
        _entriesOffset = entriesOffset;
        _offsetsOffset = offsetsOffset;
    }

    /// <summary>Number of users in the artifact.</summary>
    public int Count { get; }

    /// <summary>Length of each vector.</summary>
    public int Factors { get; }

    /// <summary>Whether the artifact records the items each user was trained on.</summary>
    public bool HasHistory => _history is not null;

    /// <summary>
    /// Opens the lookup of the artifact in <paramref name="directory"/>, checking file lengths against the manifest
    /// and the index header (checksums are <see cref="ModelArtifact.Load"/>'s job, or pass <paramref name="verifyChecksums"/>).
    /// </summary>
    public static UserVectorLookup Open(string directory, bool verifyChecksums = false)
    {
        var manifest = ModelArtifact.ReadManifest(directory);
        if (manifest.Users == 0)
        {
            throw new ModelArtifactException(directory, null, "the artifact has no user factors, so users cannot be looked up.");
        }

        foreach (var name in new[] { ArtifactFiles.UserIndex, ArtifactFiles.UserIds, ArtifactFiles.UserFactors })
        {
            ModelArtifact.VerifyFile(directory, name, manifest.Files[name], verifyChecksums);
        }

        var index = File.OpenHandle(Path.Combine(directory, ArtifactFiles.UserIndex), FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
        SafeFileHandle? ids = null;
        SafeFileHandle? factors = null;
        SafeFileHandle? history = null;
        try
        {
            Span<byte> header = stackalloc byte[ArtifactFiles.IndexHeaderBytes];
            RandomAccess.Read(index, header, 0);
            var count = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
            var entriesOffset = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
            var offsetsOffset = BinaryPrimitives.ReadInt64LittleEndian(header[24..]);
            if (!header[..4].SequenceEqual(ArtifactFiles.IndexMagic)
                || BinaryPrimitives.ReadInt32LittleEndian(header[4..]) != ArtifactFiles.IndexVersion
                || count != manifest.Users
                || entriesOffset != ArtifactFiles.IndexHeaderBytes
                || offsetsOffset != ArtifactFiles.IndexHeaderBytes + ((long)ArtifactFiles.IndexEntryBytes * count))
            {
                throw new ModelArtifactException(directory, ArtifactFiles.UserIndex, "the header does not match this format or the manifest.");
            }

            ids = File.OpenHandle(Path.Combine(directory, ArtifactFiles.UserIds), FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
            factors = File.OpenHandle(Path.Combine(directory, ArtifactFiles.UserFactors), FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
            if (manifest.Files.TryGetValue(ArtifactFiles.UserHistory, out var historyEntry))
            {
                ModelArtifact.VerifyFile(directory, ArtifactFiles.UserHistory, historyEntry, verifyChecksums);
                history = File.OpenHandle(Path.Combine(directory, ArtifactFiles.UserHistory), FileMode.Open, FileAccess.Read, FileShare.Read, FileOptions.RandomAccess);
                Span<byte> historyHeader = stackalloc byte[ArtifactFiles.HistoryHeaderBytes];
                RandomAccess.Read(history, historyHeader, 0);
                if (!historyHeader[..4].SequenceEqual(ArtifactFiles.HistoryMagic)
                    || BinaryPrimitives.ReadInt32LittleEndian(historyHeader[4..]) != ArtifactFiles.HistoryVersion
                    || BinaryPrimitives.ReadInt32LittleEndian(historyHeader[8..]) != count)
                {
                    throw new ModelArtifactException(directory, ArtifactFiles.UserHistory, "the header does not match this format or the manifest.");
                }
            }

            return new UserVectorLookup(directory, index, ids, factors, history, count, manifest.Factors, entriesOffset, offsetsOffset);
        }
        catch
        {
            index.Dispose();
            ids?.Dispose();
            factors?.Dispose();
            history?.Dispose();
            throw;
        }
    }

    /// <summary>Copies the vector of <paramref name="userId"/> into <paramref name="destination"/> (at least <see cref="Factors"/> long); false when the user is unknown.</summary>
    public bool TryGet(string userId, Span<float> destination)
    {
        ArgumentNullException.ThrowIfNull(userId);
        ThrowIfTooShort(destination);

        if (!TryGetRow(userId, out var row))
        {
            return false;
        }

        CopyRow(row, destination);
        return true;
    }

    private void ThrowIfTooShort(Span<float> destination)
    {
        if (destination.Length < Factors)
        {
            throw new ArgumentException($"destination holds {destination.Length} floats; the vectors have {Factors}.", nameof(destination));
        }
    }

    /// <summary>Copies the vector of user row <paramref name="row"/> (0 ≤ row &lt; <see cref="Count"/>) into <paramref name="destination"/>.</summary>
    public void CopyRow(int row, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, Count);
        ThrowIfTooShort(destination);

        ReadExactly(_factors, MemoryMarshal.AsBytes(destination[..Factors]), (long)row * Factors * sizeof(float), ArtifactFiles.UserFactors);
        ArtifactFiles.FixEndianness(destination[..Factors]);
    }

    /// <summary>
    /// The item rows <paramref name="userId"/> was trained on, ascending; empty when the user is unknown or the
    /// artifact records no history.
    /// </summary>
    public int[] GetHistory(string userId) =>
        _history is not null && TryGetRow(userId, out var row) ? GetHistory(row) : [];

    /// <summary>The item rows user row <paramref name="row"/> was trained on, ascending; empty without a recorded history.</summary>
    public int[] GetHistory(int row)
    {
        if (_history is null)
        {
            return [];
        }

        if ((uint)row >= (uint)Count)
        {
            throw new ArgumentOutOfRangeException(nameof(row), row, $"The artifact has {Count} users.");
        }

        Span<byte> bounds = stackalloc byte[16];
        ReadExactly(_history, bounds, ArtifactFiles.HistoryHeaderBytes + (8L * row), ArtifactFiles.UserHistory);
        var start = BinaryPrimitives.ReadInt64LittleEndian(bounds);
        var end = BinaryPrimitives.ReadInt64LittleEndian(bounds[8..]);
        var first = ArtifactFiles.HistoryLength(Count, start);
        if (start < 0 || end < start || ArtifactFiles.HistoryLength(Count, end) > _historyLength)
        {
            throw new ModelArtifactException(_directory, ArtifactFiles.UserHistory, $"row {row} points outside the file.");
        }

        var items = new int[end - start];
        ReadExactly(_history, MemoryMarshal.AsBytes(items.AsSpan()), first, ArtifactFiles.UserHistory);
        if (!BitConverter.IsLittleEndian)
        {
            BinaryPrimitives.ReverseEndianness(items, items);
        }

        return items;
    }

    /// <summary>The row of <paramref name="userId"/> in the user factors; false when the user is unknown.</summary>
    public bool TryGetRow(string userId, out int row)
    {
        var length = Encoding.UTF8.GetByteCount(userId);
        byte[]? rented = null;
        var utf8 = length <= StackIdBytes ? stackalloc byte[StackIdBytes] : (rented = ArrayPool<byte>.Shared.Rent(length));
        try
        {
            utf8 = utf8[..Encoding.UTF8.GetBytes(userId, utf8)];
            return TryGetRow(utf8, out row);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private bool TryGetRow(ReadOnlySpan<byte> utf8, out int row)
    {
        var hash = ArtifactHashing.HashId(utf8);
        Span<byte> entry = stackalloc byte[ArtifactFiles.IndexEntryBytes];

        // Lower bound: the first entry whose hash is not below the id's.
        int low = 0, high = Count;
        while (low < high)
        {
            var mid = low + ((high - low) / 2);
            ReadEntry(mid, entry);
            if (BinaryPrimitives.ReadUInt64LittleEndian(entry) < hash)
            {
                low = mid + 1;
            }
            else
            {
                high = mid;
            }
        }

        for (var k = low; k < Count; k++)
        {
            ReadEntry(k, entry);
            if (BinaryPrimitives.ReadUInt64LittleEndian(entry) != hash)
            {
                break;
            }

            var candidate = BinaryPrimitives.ReadInt32LittleEndian(entry[8..]);
            if (IdMatches(candidate, utf8))
            {
                row = candidate;
                return true;
            }
        }

        row = -1;
        return false;
    }

    private void ReadEntry(int position, Span<byte> entry) =>
        ReadExactly(_index, entry, _entriesOffset + ((long)position * ArtifactFiles.IndexEntryBytes), ArtifactFiles.UserIndex);

    private bool IdMatches(int row, ReadOnlySpan<byte> utf8)
    {
        if ((uint)row >= (uint)Count)
        {
            throw new ModelArtifactException(_directory, ArtifactFiles.UserIndex, $"an entry points at row {row} of {Count}.");
        }

        Span<byte> bounds = stackalloc byte[16];
        ReadExactly(_index, bounds, _offsetsOffset + (8L * row), ArtifactFiles.UserIndex);
        var start = BinaryPrimitives.ReadInt64LittleEndian(bounds);
        var lineLength = BinaryPrimitives.ReadInt64LittleEndian(bounds[8..]) - start - 1;
        if (lineLength != utf8.Length)
        {
            return false;
        }

        byte[]? rented = null;
        var stored = utf8.Length <= StackIdBytes ? stackalloc byte[StackIdBytes] : (rented = ArrayPool<byte>.Shared.Rent(utf8.Length));
        try
        {
            stored = stored[..utf8.Length];
            ReadExactly(_ids, stored, start, ArtifactFiles.UserIds);
            return stored.SequenceEqual(utf8);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }

    private void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset, string name)
    {
        while (!buffer.IsEmpty)
        {
            var read = RandomAccess.Read(handle, buffer, offset);
            if (read == 0)
            {
                throw new ModelArtifactException(_directory, name, $"ends before byte {offset + buffer.Length}; the file is truncated.");
            }

            buffer = buffer[read..];
            offset += read;
        }
    }

    public void Dispose()
    {
        _index.Dispose();
        _ids.Dispose();
        _factors.Dispose();
        _history?.Dispose();
    }
}
