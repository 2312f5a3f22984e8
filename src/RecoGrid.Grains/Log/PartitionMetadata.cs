using System.Buffers.Binary;

namespace RecoGrid.Grains.Log;

/// <summary>
/// What a partition keeps beside its records: where recovery must start reading (every visible record before
/// <see cref="ReplayFrom"/> is in a durable projection; de-duplication ids are rebuilt from <see cref="DeduplicationFrom"/>).
/// </summary>
public sealed record PartitionPositions(long ReplayFrom, long DeduplicationFrom)
{
    public const string Name = "positions";

    public byte[] Serialize()
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, ReplayFrom);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(8), DeduplicationFrom);
        return bytes;
    }

    public static PartitionPositions Parse(ReadOnlyMemory<byte>? bytes) =>
        bytes is { Length: >= 16 } b
            ? new PartitionPositions(BinaryPrimitives.ReadInt64LittleEndian(b.Span), BinaryPrimitives.ReadInt64LittleEndian(b.Span[8..]))
            : new PartitionPositions(0, 0);
}

/// <summary>The erased users of a partition: the hash of each id and the sequence of its tombstone.</summary>
public static class TombstoneSet
{
    public const string Name = "tombstones";

    public static byte[] Serialize(IReadOnlyDictionary<UInt128, long> tombstones)
    {
        var bytes = new byte[4 + (tombstones.Count * 24)];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, tombstones.Count);
        var at = 4;
        foreach (var (hash, sequence) in tombstones)
        {
            BinaryPrimitives.WriteUInt128LittleEndian(bytes.AsSpan(at), hash);
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(at + 16), sequence);
            at += 24;
        }

        return bytes;
    }

    public static Dictionary<UInt128, long> Parse(ReadOnlyMemory<byte>? bytes)
    {
        var result = new Dictionary<UInt128, long>();
        if (bytes is not { Length: >= 4 } b)
        {
            return result;
        }

        var span = b.Span;
        var count = BinaryPrimitives.ReadInt32LittleEndian(span);
        for (var i = 0; i < count && 4 + ((i + 1) * 24) <= span.Length; i++)
        {
            var at = 4 + (i * 24);
            result[BinaryPrimitives.ReadUInt128LittleEndian(span[at..])] = BinaryPrimitives.ReadInt64LittleEndian(span[(at + 16)..]);
        }

        return result;
    }
}
