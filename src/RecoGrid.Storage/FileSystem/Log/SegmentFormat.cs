using System.Buffers.Binary;
using System.Globalization;
using RecoGrid.Storage.Hashing;
using RecoGrid.Storage.Log;

namespace RecoGrid.Storage.FileSystem.Log;

/// <summary>
/// The bytes of a segment file, little-endian throughout.
/// Header (32 bytes): <c>"RGLOGSEG" | u32 version | u32 crc32c(bytes 16..31) | i64 firstSequence | i64 createdAtUnixMs</c>.
/// Record (26 bytes + payload): <c>u32 length | u32 crc32c | i64 sequence | i64 appendedAtUnixMs | u8 flags | u8 type | payload</c>,
/// where length and the CRC cover everything after the CRC. Flag bit 0 marks the last record of one append, so recovery can
/// drop an append that reached the disk only in part.
/// </summary>
internal static class SegmentFormat
{
    /// <summary>
    /// The encoded size of an append of <paramref name="records"/>; throws when it is empty, a payload is larger than a
    /// record may hold, or the whole is larger than <paramref name="maxAppendBytes"/> (the backend's bound).
    /// </summary>
    public static int MeasureAppend(IReadOnlyList<LogAppend> records, long maxAppendBytes)
    {
        if (records.Count == 0)
        {
            throw new ArgumentException("An append needs at least one record.", nameof(records));
        }

        long bytes = 0;
        for (var i = 0; i < records.Count; i++)
        {
            var length = records[i].Payload.Length;
            if (length > MaxPayloadBytes)
            {
                throw new ArgumentException($"Record {i} has a {length}-byte payload; the most a record may hold is {MaxPayloadBytes}.", nameof(records));
            }

            bytes += RecordSize(length);
        }

        return bytes <= maxAppendBytes
            ? (int)bytes
            : throw new ArgumentException($"An append of {bytes} bytes is larger than the {maxAppendBytes} one append may hold; split it.", nameof(records));
    }

    public const int Version = 1;
    public const int HeaderSize = 32;
    public const int RecordHeaderSize = 26;
    public const byte EndOfAppend = 1;

    /// <summary>Largest payload of one record; longer lengths in a file are read as corruption.</summary>
    public const int MaxPayloadBytes = 16 * 1024 * 1024;

    public const string SegmentExtension = ".seg";
    public const string IndexExtension = ".idx";

    // Bytes of a record covered by its length and CRC, besides the payload.
    private const int CoveredHeader = RecordHeaderSize - 8;

    private static ReadOnlySpan<byte> Magic => "RGLOGSEG"u8;

    public static string SegmentFileName(long firstSequence) => firstSequence.ToString("D20", CultureInfo.InvariantCulture) + SegmentExtension;

    public static string IndexFileName(long firstSequence) => firstSequence.ToString("D20", CultureInfo.InvariantCulture) + IndexExtension;

    public static bool TryParseSegmentFileName(string fileName, out long firstSequence)
    {
        firstSequence = 0;
        return fileName.Length == 20 + SegmentExtension.Length
            && fileName.EndsWith(SegmentExtension, StringComparison.Ordinal)
            && long.TryParse(fileName.AsSpan(0, 20), NumberStyles.None, CultureInfo.InvariantCulture, out firstSequence);
    }

    public static void WriteHeader(Span<byte> destination, long firstSequence, DateTimeOffset createdAt)
    {
        Magic.CopyTo(destination);
        BinaryPrimitives.WriteUInt32LittleEndian(destination[8..], Version);
        BinaryPrimitives.WriteInt64LittleEndian(destination[16..], firstSequence);
        BinaryPrimitives.WriteInt64LittleEndian(destination[24..], createdAt.ToUnixTimeMilliseconds());
        BinaryPrimitives.WriteUInt32LittleEndian(destination[12..], Crc32C.Compute(destination[16..HeaderSize]));
    }

    /// <summary>Checks a segment header against the file's name; returns when the segment was created.</summary>
    public static DateTimeOffset ReadHeader(ReadOnlySpan<byte> header, string path, long expectedFirstSequence)
    {
        string? problem = null;
        if (header.Length < HeaderSize)
        {
            problem = $"the file is shorter than its {HeaderSize}-byte header";
        }
        else if (!header[..8].SequenceEqual(Magic))
        {
            problem = "the header does not start with RGLOGSEG";
        }
        else if (BinaryPrimitives.ReadUInt32LittleEndian(header[8..]) != Version)
        {
            problem = $"format version {BinaryPrimitives.ReadUInt32LittleEndian(header[8..])} is not supported (expected {Version})";
        }
        else if (BinaryPrimitives.ReadUInt32LittleEndian(header[12..]) != Crc32C.Compute(header[16..HeaderSize]))
        {
            problem = "the header checksum does not match";
        }
        else if (BinaryPrimitives.ReadInt64LittleEndian(header[16..]) != expectedFirstSequence)
        {
            problem = $"the header names first sequence {BinaryPrimitives.ReadInt64LittleEndian(header[16..])}, the file name {expectedFirstSequence}";
        }

        if (problem is not null)
        {
            throw new LogCorruptionException($"Log segment '{path}' has a bad header: {problem}.", path, 0);
        }

        return DateTimeOffset.FromUnixTimeMilliseconds(BinaryPrimitives.ReadInt64LittleEndian(header[24..]));
    }

    public static int RecordSize(int payloadLength) => RecordHeaderSize + payloadLength;

    /// <summary>Writes one record at the start of <paramref name="destination"/>; returns its size.</summary>
    public static int WriteRecord(Span<byte> destination, long sequence, long appendedAtUnixMs, byte flags, byte type, ReadOnlySpan<byte> payload)
    {
        var size = RecordSize(payload.Length);
        var covered = destination[8..size];
        BinaryPrimitives.WriteInt64LittleEndian(covered, sequence);
        BinaryPrimitives.WriteInt64LittleEndian(covered[8..], appendedAtUnixMs);
        covered[16] = flags;
        covered[17] = type;
        payload.CopyTo(covered[CoveredHeader..]);
        BinaryPrimitives.WriteUInt32LittleEndian(destination, (uint)(CoveredHeader + payload.Length));
        BinaryPrimitives.WriteUInt32LittleEndian(destination[4..], Crc32C.Compute(covered));
        return size;
    }

    /// <summary>
    /// Reads the record at the start of <paramref name="data"/>. <see cref="FrameStatus.Incomplete"/> means more bytes are
    /// needed (<paramref name="needed"/> of them in all) before it can tell.
    /// </summary>
    public static FrameStatus TryReadRecord(ReadOnlySpan<byte> data, out RecordFrame frame, out int needed)
    {
        frame = default;
        needed = 8;
        if (data.Length < 8)
        {
            return FrameStatus.Incomplete;
        }

        var length = BinaryPrimitives.ReadUInt32LittleEndian(data);
        if (length < CoveredHeader || length > CoveredHeader + MaxPayloadBytes)
        {
            return FrameStatus.BadLength;
        }

        needed = 8 + (int)length;
        if (data.Length < needed)
        {
            return FrameStatus.Incomplete;
        }

        var covered = data[8..needed];
        if (BinaryPrimitives.ReadUInt32LittleEndian(data[4..]) != Crc32C.Compute(covered))
        {
            return FrameStatus.BadChecksum;
        }

        frame = new RecordFrame(
            BinaryPrimitives.ReadInt64LittleEndian(covered),
            BinaryPrimitives.ReadInt64LittleEndian(covered[8..]),
            covered[16],
            covered[17],
            needed);
        return FrameStatus.Valid;
    }

    public static string Describe(FrameStatus status) => status switch
    {
        FrameStatus.Incomplete => "the file ends inside a record",
        FrameStatus.BadLength => "the record length is impossible",
        FrameStatus.BadChecksum => "the record checksum does not match",
        _ => status.ToString(),
    };
}

/// <summary>The outcome of reading one record frame.</summary>
internal enum FrameStatus
{
    Valid,
    Incomplete,
    BadLength,
    BadChecksum,
}

/// <summary>The fields of one valid record frame; the payload follows the 26-byte header.</summary>
internal readonly record struct RecordFrame(long Sequence, long AppendedAtUnixMs, byte Flags, byte Type, int Size)
{
    public int PayloadLength => Size - SegmentFormat.RecordHeaderSize;
}
