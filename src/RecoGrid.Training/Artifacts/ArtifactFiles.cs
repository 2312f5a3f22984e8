using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using RecoGrid.Training.Data;

namespace RecoGrid.Training.Artifacts;

/// <summary>File names and the binary layouts of a model artifact directory. Every number is little-endian.</summary>
internal static class ArtifactFiles
{
    public const string Manifest = "manifest.json";
    public const string ItemFactors = "item_factors.bin";
    public const string ItemIds = "item_ids.txt";
    public const string UserFactors = "user_factors.bin";
    public const string UserIds = "user_ids.txt";

    /// <summary>
    /// The user lookup index: a 32-byte header ("RGUX", version, count, reserved, entries offset, offsets offset),
    /// then <c>count</c> entries of (ulong FNV-1a 64 of the UTF-8 id, int row) sorted by hash then row, then
    /// <c>count + 1</c> longs: the byte offset of each row's line in <see cref="UserIds"/>, and the file length.
    /// </summary>
    public const string UserIndex = "user_index.bin";

    /// <summary>
    /// The items each user row was trained on: a 16-byte header ("RGUH", version, users, reserved), then
    /// <c>users + 1</c> longs (the first entry of each row, and the entry count), then one int item row per entry,
    /// ascending within a user. Rows are those of <see cref="UserFactors"/>, so the user index finds them.
    /// </summary>
    public const string UserHistory = "user_history.bin";

    public const int HistoryHeaderBytes = 16;
    public const int HistoryVersion = 1;
    public static readonly byte[] HistoryMagic = "RGUH"u8.ToArray();

    public const int IndexHeaderBytes = 32;
    public const int IndexEntryBytes = 12;
    public const int IndexVersion = 1;
    public static readonly byte[] IndexMagic = "RGUX"u8.ToArray();

    /// <summary>Floats per slice when a table is viewed as bytes: a span of bytes cannot exceed 2 GB (10M × 64 floats is 2.56 GB).</summary>
    private const int FloatsPerSlice = 1 << 28;

    /// <summary>Writes floats as little-endian float32.</summary>
    public static void WriteFloats(HashingFileWriter writer, ReadOnlySpan<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            for (var offset = 0; offset < values.Length; offset += FloatsPerSlice)
            {
                writer.Write(MemoryMarshal.AsBytes(values.Slice(offset, Math.Min(FloatsPerSlice, values.Length - offset))));
            }

            return;
        }

        Span<byte> chunk = stackalloc byte[4096];
        while (!values.IsEmpty)
        {
            var n = Math.Min(values.Length, chunk.Length / 4);
            for (var k = 0; k < n; k++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(chunk[(k * 4)..], values[k]);
            }

            writer.Write(chunk[..(n * 4)]);
            values = values[n..];
        }
    }

    /// <summary>Fills <paramref name="values"/> from little-endian float32 bytes, in slices of at most 1 GB.</summary>
    public static void ReadFloats(Stream stream, Span<float> values)
    {
        for (var offset = 0; offset < values.Length; offset += FloatsPerSlice)
        {
            stream.ReadExactly(MemoryMarshal.AsBytes(values.Slice(offset, Math.Min(FloatsPerSlice, values.Length - offset))));
        }

        FixEndianness(values);
    }

    /// <summary>Converts little-endian float32 bytes read into <paramref name="values"/> to the machine's order.</summary>
    public static void FixEndianness(Span<float> values)
    {
        if (!BitConverter.IsLittleEndian)
        {
            var ints = MemoryMarshal.Cast<float, int>(values);
            BinaryPrimitives.ReverseEndianness(ints, ints);
        }
    }

    /// <summary>Writes one id per line (UTF-8, LF) and returns each line's starting offset plus the total length.</summary>
    public static long[] WriteIds(HashingFileWriter writer, IReadOnlyList<string> ids, string fileName, string directory)
    {
        var offsets = new long[ids.Count + 1];
        var buffer = new byte[1 << 16];
        var used = 0;
        long position = 0;
        for (var r = 0; r < ids.Count; r++)
        {
            var id = ids[r];
            if (string.IsNullOrEmpty(id) || id.AsSpan().ContainsAny('\n', '\r'))
            {
                throw new ModelArtifactException(directory, fileName, $"id at row {r} is empty or contains a line break.");
            }

            var needed = Encoding.UTF8.GetMaxByteCount(id.Length) + 1;
            if (buffer.Length - used < needed)
            {
                writer.Write(buffer.AsSpan(0, used));
                used = 0;
                if (buffer.Length < needed)
                {
                    buffer = new byte[needed];
                }
            }

            offsets[r] = position;
            var written = Encoding.UTF8.GetBytes(id, buffer.AsSpan(used));
            buffer[used + written] = (byte)'\n';
            used += written + 1;
            position += written + 1;
        }

        writer.Write(buffer.AsSpan(0, used));
        offsets[ids.Count] = position;
        return offsets;
    }

    /// <summary>Writes the user index for <paramref name="ids"/> whose lines start at <paramref name="offsets"/>.</summary>
    public static void WriteUserIndex(HashingFileWriter writer, IReadOnlyList<string> ids, long[] offsets)
    {
        var count = ids.Count;
        // Sorting (hash, row) pairs keeps colliding hashes in row order.
        var keys = new (ulong Hash, int Row)[count];
        for (var r = 0; r < count; r++)
        {
            keys[r] = (ArtifactHashing.HashId(ids[r]), r);
        }

        Array.Sort(keys);

        Span<byte> header = stackalloc byte[IndexHeaderBytes];
        header.Clear();
        IndexMagic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], IndexVersion);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], count);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], IndexHeaderBytes);
        BinaryPrimitives.WriteInt64LittleEndian(header[24..], IndexHeaderBytes + ((long)IndexEntryBytes * count));
        writer.Write(header);

        var chunk = new byte[IndexEntryBytes * 4096];
        var used = 0;
        foreach (var (hash, row) in keys)
        {
            if (used == chunk.Length)
            {
                writer.Write(chunk);
                used = 0;
            }

            BinaryPrimitives.WriteUInt64LittleEndian(chunk.AsSpan(used), hash);
            BinaryPrimitives.WriteInt32LittleEndian(chunk.AsSpan(used + 8), row);
            used += IndexEntryBytes;
        }

        writer.Write(chunk.AsSpan(0, used));
        used = 0;
        foreach (var offset in offsets)
        {
            if (used == chunk.Length)
            {
                writer.Write(chunk);
                used = 0;
            }

            BinaryPrimitives.WriteInt64LittleEndian(chunk.AsSpan(used), offset);
            used += 8;
        }

        writer.Write(chunk.AsSpan(0, used));
    }

    /// <summary>Writes the training history of every user row of <paramref name="history"/>.</summary>
    public static void WriteUserHistory(HashingFileWriter writer, CsrMatrix history)
    {
        Span<byte> header = stackalloc byte[HistoryHeaderBytes];
        header.Clear();
        HistoryMagic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], HistoryVersion);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], history.Rows);
        writer.Write(header);

        var chunk = new byte[8 * 4096];
        var used = 0;
        long position = 0;
        for (var r = 0; r <= history.Rows; r++)
        {
            if (used == chunk.Length)
            {
                writer.Write(chunk);
                used = 0;
            }

            BinaryPrimitives.WriteInt64LittleEndian(chunk.AsSpan(used), position);
            used += 8;
            if (r < history.Rows)
            {
                position += history.RowLength(r);
            }
        }

        writer.Write(chunk.AsSpan(0, used));
        used = 0;
        var row = new List<int>();
        for (var r = 0; r < history.Rows; r++)
        {
            row.Clear();
            foreach (var item in history.RowIndices(r))
            {
                row.Add(item);
            }

            row.Sort();
            foreach (var item in row)
            {
                if (used == chunk.Length)
                {
                    writer.Write(chunk);
                    used = 0;
                }

                BinaryPrimitives.WriteInt32LittleEndian(chunk.AsSpan(used), item);
                used += 4;
            }
        }

        writer.Write(chunk.AsSpan(0, used));
    }

    /// <summary>Length of a training history of <paramref name="users"/> rows and <paramref name="entries"/> items in all.</summary>
    public static long HistoryLength(int users, long entries) => HistoryHeaderBytes + (8L * (users + 1)) + (4L * entries);

    /// <summary>Expected length of the user index for <paramref name="count"/> users.</summary>
    public static long UserIndexLength(int count) => IndexHeaderBytes + ((long)IndexEntryBytes * count) + (8L * (count + 1));
}
