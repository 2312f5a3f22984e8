namespace RecoGrid.Storage.Log;

/// <summary>A stored record: its partition sequence number (strictly increasing; gaps only after compaction), a type byte, an opaque payload and when it was appended.</summary>
public readonly record struct LogRecord(long Sequence, byte Type, ReadOnlyMemory<byte> Payload, DateTimeOffset AppendedAt);

/// <summary>A record to append: the store assigns its sequence number and time.</summary>
public readonly record struct LogAppend(byte Type, ReadOnlyMemory<byte> Payload);

/// <summary>One segment of a partition as stored now.</summary>
/// <param name="FirstSequence">The segment's name: no record in it has a lower sequence number (after compaction its first record may be higher).</param>
/// <param name="LastSequence">The highest sequence number it holds, or <c>FirstSequence - 1</c> when it holds none.</param>
/// <param name="SealedAt">When the next segment started; null for the active segment.</param>
public sealed record LogSegmentInfo(
    long FirstSequence,
    long LastSequence,
    long RecordCount,
    long Bytes,
    DateTimeOffset CreatedAt,
    DateTimeOffset? SealedAt)
{
    /// <summary>Sealed segments are read-only and may be compacted; the active one takes appends.</summary>
    public bool IsSealed => SealedAt is not null;
}

/// <summary>What one compaction of a sealed segment did.</summary>
public sealed record SegmentRewriteResult(
    long SegmentFirstSequence,
    long RecordsBefore,
    long RecordsKept,
    long BytesBefore,
    long BytesAfter);
