using System.Buffers.Binary;
using System.Runtime.InteropServices;
using RecoGrid.Training.Data;

namespace RecoGrid.Training.Cluster.Blocks;

/// <summary>
/// Binary layouts of the blocks: a 4-byte tag and little-endian int32 sizes, then the arrays as little-endian
/// float32/int32, so a block is copied in and out with one memory copy on little-endian machines.
/// </summary>
public static class BlockCodec
{
    private const int FloatsTag = 0x42464752; // "RGFB"
    private const int RowsTag = 0x53434752;   // "RGCS"

    /// <summary>Encodes a rows × d float matrix.</summary>
    public static byte[] EncodeFloats(ReadOnlySpan<float> values, int rows, int d)
    {
        if (values.Length != (long)rows * d)
        {
            throw new ArgumentException($"{values.Length} floats are not {rows} × {d}.", nameof(values));
        }

        var bytes = new byte[12 + ((long)values.Length * sizeof(float))];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, FloatsTag);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), rows);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), d);
        Write(values, bytes.AsSpan(12));
        return bytes;
    }

    /// <summary>Decodes a float matrix into <paramref name="destination"/> (rows × d floats), checking its shape.</summary>
    public static void DecodeFloats(ReadOnlySpan<byte> bytes, int rows, int d, Span<float> destination, string name)
    {
        if (bytes.Length < 12 || BinaryPrimitives.ReadInt32LittleEndian(bytes) != FloatsTag
            || BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]) != rows || BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]) != d
            || bytes.Length != 12 + ((long)rows * d * sizeof(float)) || destination.Length != rows * d)
        {
            throw new InvalidDataException($"The training block '{name}' is not a {rows} × {d} factor block.");
        }

        Read(bytes[12..], destination);
    }

    /// <summary>Decodes a float matrix of any shape.</summary>
    public static float[] DecodeFloats(ReadOnlySpan<byte> bytes, string name)
    {
        if (bytes.Length < 12 || BinaryPrimitives.ReadInt32LittleEndian(bytes) != FloatsTag)
        {
            throw new InvalidDataException($"The training block '{name}' is not a factor block.");
        }

        var rows = BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]);
        var d = BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]);
        var values = new float[(long)rows * d];
        DecodeFloats(bytes, rows, d, values, name);
        return values;
    }

    /// <summary>Encodes rows [<paramref name="start"/>, <paramref name="end"/>) of <paramref name="matrix"/> as a matrix of its own.</summary>
    public static byte[] EncodeRows(CsrMatrix matrix, int start, int end)
    {
        var rows = end - start;
        var first = matrix.RowPointers[start];
        var nonZeros = matrix.RowPointers[end] - first;
        var bytes = new byte[16 + (4L * (rows + 1)) + (8L * nonZeros)];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, RowsTag);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4), rows);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(8), matrix.Columns);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(12), nonZeros);
        var offset = 16;
        for (var r = 0; r <= rows; r++, offset += 4)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(offset), matrix.RowPointers[start + r] - first);
        }

        Write<int>(matrix.ColumnIndices.AsSpan(first, nonZeros), bytes.AsSpan(offset));
        offset += 4 * nonZeros;
        Write<float>(matrix.Values.AsSpan(first, nonZeros), bytes.AsSpan(offset));
        return bytes;
    }

    /// <summary>Decodes a block of rows written by <see cref="EncodeRows"/>.</summary>
    public static CsrMatrix DecodeRows(ReadOnlySpan<byte> bytes, string name)
    {
        if (bytes.Length < 16 || BinaryPrimitives.ReadInt32LittleEndian(bytes) != RowsTag)
        {
            throw new InvalidDataException($"The training block '{name}' is not a block of rows.");
        }

        var rows = BinaryPrimitives.ReadInt32LittleEndian(bytes[4..]);
        var columns = BinaryPrimitives.ReadInt32LittleEndian(bytes[8..]);
        var nonZeros = BinaryPrimitives.ReadInt32LittleEndian(bytes[12..]);
        if (rows < 0 || nonZeros < 0 || bytes.Length != 16 + (4L * (rows + 1)) + (8L * nonZeros))
        {
            throw new InvalidDataException($"The training block '{name}' is truncated.");
        }

        var pointers = new int[rows + 1];
        var indices = new int[nonZeros];
        var values = new float[nonZeros];
        var offset = 16;
        Read(bytes.Slice(offset, 4 * (rows + 1)), pointers.AsSpan());
        offset += 4 * (rows + 1);
        Read(bytes.Slice(offset, 4 * nonZeros), indices.AsSpan());
        offset += 4 * nonZeros;
        Read(bytes.Slice(offset, 4 * nonZeros), values.AsSpan());
        return new CsrMatrix(rows, columns, pointers, indices, values);
    }

    private static void Write<T>(ReadOnlySpan<T> values, Span<byte> destination)
        where T : unmanaged
    {
        var source = MemoryMarshal.AsBytes(values);
        source.CopyTo(destination);
        if (!BitConverter.IsLittleEndian)
        {
            ReverseEach(destination[..source.Length]);
        }
    }

    private static void Read<T>(ReadOnlySpan<byte> source, Span<T> destination)
        where T : unmanaged
    {
        var target = MemoryMarshal.AsBytes(destination);
        source[..target.Length].CopyTo(target);
        if (!BitConverter.IsLittleEndian)
        {
            ReverseEach(target);
        }
    }

    private static void ReverseEach(Span<byte> bytes)
    {
        for (var i = 0; i + 4 <= bytes.Length; i += 4)
        {
            bytes.Slice(i, 4).Reverse();
        }
    }
}
