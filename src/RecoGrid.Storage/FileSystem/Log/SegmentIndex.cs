using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using RecoGrid.Storage.Hashing;

namespace RecoGrid.Storage.FileSystem.Log;

/// <summary>Where the record with a given sequence number starts.</summary>
internal readonly record struct IndexEntry(long Sequence, long Offset);

/// <summary>
/// A segment's summary and sparse offset index: one entry about every <see cref="IntervalBytes"/>, so a read from sequence
/// s scans at most that much before it reaches s. Stored beside a sealed segment as <c>{first}.idx</c>:
/// <c>"RGLOGIDX" | u32 version | u32 crc32c(rest) | i64 segmentBytes | i64 lastSequence | i64 recordCount | i32 n | n × (i64 sequence, i64 offset)</c>.
/// It describes the segment only while the segment's length equals <see cref="SegmentBytes"/>: a compaction that drops
/// anything makes the file shorter, so a stale index is recognized and rebuilt.
/// </summary>
internal sealed record SegmentIndex(long SegmentBytes, long LastSequence, long RecordCount, ImmutableArray<IndexEntry> Entries)
{
    public const int IntervalBytes = 64 * 1024;
    private const int Version = 1;
    private const int FixedSize = 8 + 4 + 4 + 8 + 8 + 8 + 4;

    private static ReadOnlySpan<byte> Magic => "RGLOGIDX"u8;

    /// <summary>The last entry at or before <paramref name="sequence"/>, or the start of the records when there is none.</summary>
    public static IndexEntry Seek(ImmutableArray<IndexEntry> entries, long sequence, long segmentFirstSequence)
    {
        var (low, high) = (0, entries.Length - 1);
        var found = new IndexEntry(segmentFirstSequence, SegmentFormat.HeaderSize);
        while (low <= high)
        {
            var middle = (low + high) >>> 1;
            if (entries[middle].Sequence <= sequence)
            {
                found = entries[middle];
                low = middle + 1;
            }
            else
            {
                high = middle - 1;
            }
        }

        return found;
    }

    public byte[] Serialize()
    {
        var bytes = new byte[FixedSize + (Entries.Length * 16)];
        Magic.CopyTo(bytes);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), Version);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(16), SegmentBytes);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(24), LastSequence);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(32), RecordCount);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(40), Entries.Length);
        for (var i = 0; i < Entries.Length; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(FixedSize + (i * 16)), Entries[i].Sequence);
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(FixedSize + (i * 16) + 8), Entries[i].Offset);
        }

        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(12), Crc32C.Compute(bytes.AsSpan(16)));
        return bytes;
    }

    /// <summary>Parses a stored index; null when it is damaged or describes another version of the segment.</summary>
    public static SegmentIndex? TryParse(ReadOnlySpan<byte> bytes, long segmentBytes)
    {
        if (bytes.Length < FixedSize
            || !bytes[..8].SequenceEqual(Magic)
            || BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]) != Version
            || BinaryPrimitives.ReadUInt32LittleEndian(bytes[12..]) != Crc32C.Compute(bytes[16..])
            || BinaryPrimitives.ReadInt64LittleEndian(bytes[16..]) != segmentBytes)
        {
            return null;
        }

        var count = BinaryPrimitives.ReadInt32LittleEndian(bytes[40..]);
        if (count < 0 || bytes.Length != FixedSize + ((long)count * 16))
        {
            return null;
        }

        var entries = ImmutableArray.CreateBuilder<IndexEntry>(count);
        for (var i = 0; i < count; i++)
        {
            var at = FixedSize + (i * 16);
            entries.Add(new IndexEntry(BinaryPrimitives.ReadInt64LittleEndian(bytes[at..]), BinaryPrimitives.ReadInt64LittleEndian(bytes[(at + 8)..])));
        }

        return new SegmentIndex(segmentBytes, BinaryPrimitives.ReadInt64LittleEndian(bytes[24..]), BinaryPrimitives.ReadInt64LittleEndian(bytes[32..]), entries.MoveToImmutable());
    }
}

/// <summary>Collects index entries while records are written or scanned in offset order.</summary>
internal sealed class SegmentIndexBuilder(long firstSequence)
{
    private ImmutableArray<IndexEntry> _entries = [];
    private long _lastIndexedOffset = SegmentFormat.HeaderSize;

    public long LastSequence { get; private set; } = firstSequence - 1;

    public long RecordCount { get; private set; }

    public ImmutableArray<IndexEntry> Entries => _entries;

    public void Add(long sequence, long offset)
    {
        if (offset - _lastIndexedOffset >= SegmentIndex.IntervalBytes)
        {
            // Entries are rare (one per 64 KiB), so copying the array keeps every published snapshot immutable at little cost.
            _entries = _entries.Add(new IndexEntry(sequence, offset));
            _lastIndexedOffset = offset;
        }

        LastSequence = sequence;
        RecordCount++;
    }

    public SegmentIndex Build(long segmentBytes) => new(segmentBytes, LastSequence, RecordCount, _entries);
}

/// <summary>
/// Indexes of sealed segments: kept in memory by path once built or loaded, loaded from <c>.idx</c> files, or rebuilt by a
/// scan. An index counts only while the segment file's length matches it.
/// </summary>
internal sealed class SegmentIndexCache
{
    private readonly ConcurrentDictionary<string, SegmentIndex> _byPath = new(StringComparer.Ordinal);

    public SegmentIndex? Get(string segmentPath, long segmentBytes) =>
        _byPath.TryGetValue(segmentPath, out var index) && index.SegmentBytes == segmentBytes ? index : null;

    public void Set(string segmentPath, SegmentIndex index) => _byPath[segmentPath] = index;

    /// <summary>The index of a segment of <paramref name="segmentBytes"/> bytes from memory or its file; null when neither has a current one.</summary>
    public async Task<SegmentIndex?> TryLoadAsync(PartitionFolder folder, long first, long segmentBytes, CancellationToken cancellationToken)
    {
        var path = folder.SegmentPath(first);
        if (Get(path, segmentBytes) is { } cached)
        {
            return cached;
        }

        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(folder.IndexPath(first), cancellationToken);
        }
        catch (FileNotFoundException)
        {
            return null;
        }

        var index = SegmentIndex.TryParse(bytes, segmentBytes);
        if (index is not null)
        {
            Set(path, index);
        }

        return index;
    }

    /// <summary>The index of a sealed segment, scanning (and so validating) the whole segment when no current one is stored.</summary>
    public async Task<SegmentIndex> GetOrBuildAsync(PartitionFolder folder, long first, long sequenceLimit, bool persist, bool flushToDisk, CancellationToken cancellationToken)
    {
        var path = folder.SegmentPath(first);
        using var handle = folder.OpenForRead(path);
        var length = RandomAccess.GetLength(handle);
        if (await TryLoadAsync(folder, first, length, cancellationToken) is { } stored)
        {
            return stored;
        }

        PartitionFolder.ReadHeader(handle, path, first);
        var builder = new SegmentIndexBuilder(first);
        var scanner = new SegmentScanner(handle, path, SegmentFormat.HeaderSize, length, first, SegmentScanMode.Sealed, sequenceLimit);
        await foreach (var record in scanner.ReadAsync(cancellationToken))
        {
            builder.Add(record.Frame.Sequence, record.Offset);
        }

        var index = builder.Build(length);
        Set(path, index);
        if (persist)
        {
            await DurableFile.WriteAtomicAsync(folder.IndexPath(first), index.Serialize(), flushToDisk, cancellationToken);
        }

        return index;
    }
}
