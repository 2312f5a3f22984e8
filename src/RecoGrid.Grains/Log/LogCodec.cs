using System.Buffers.Binary;
using System.Collections.Immutable;
using System.IO.Hashing;
using System.Text;
using RecoGrid.Abstractions;
using RecoGrid.Storage.Log;

namespace RecoGrid.Grains.Log;

/// <summary>
/// The binary payloads of the interaction log's records, little-endian, strings as a 7-bit length and UTF-8. The layout
/// of each type is fixed once written: add a new record type rather than change one.
/// </summary>
public static class LogCodec
{
    private const byte HasValue = 1;
    private const byte HasEventId = 2;
    private const byte HasUserId = 1;

    /// <summary>The 128-bit hash tombstones keep of an erased user's id (and that de-duplication keys are built from).</summary>
    public static UInt128 HashUser(string userId) => XxHash128.HashToUInt128(Encoding.UTF8.GetBytes(userId));

    /// <summary>The de-duplication key of a client event id: the same for the same user and id, in every process.</summary>
    public static UInt128 DeduplicationKey(string userId, string eventId)
    {
        var bytes = Encoding.UTF8.GetBytes(userId + "\u0000" + eventId);
        return XxHash128.HashToUInt128(bytes);
    }

    public static LogAppend EncodeEvents(LogBatchPart part, IReadOnlyList<LoggedEvent> events)
    {
        var writer = new PayloadWriter();
        writer.Guid(part.BatchId);
        writer.UInt16((ushort)part.PartCount);
        writer.UInt16((ushort)part.Partitions.Length);
        foreach (var p in part.Partitions)
        {
            writer.UInt16((ushort)p);
        }

        writer.Int32(events.Count);
        foreach (var e in events)
        {
            var i = e.Interaction;
            writer.String(e.UserId);
            writer.String(i.ItemId);
            writer.String(i.Type);
            writer.Single(i.Weight);
            writer.Byte((byte)((i.Value is null ? 0 : HasValue) | (e.EventId is null ? 0 : HasEventId)));
            if (i.Value is { } value)
            {
                writer.Single(value);
            }

            writer.Int64(i.Timestamp.UtcTicks);
            if (e.EventId is { } id)
            {
                writer.String(id);
            }
        }

        return new LogAppend(LogRecordType.Events, writer.ToArray());
    }

    public static LogAppend EncodeDecision(Guid batchId, bool committed)
    {
        var writer = new PayloadWriter();
        writer.Guid(batchId);
        return new LogAppend(committed ? LogRecordType.Commit : LogRecordType.Abort, writer.ToArray());
    }

    public static LogAppend EncodeTombstone(string? userId, UInt128 userHash, IReadOnlyCollection<PopularityHit> contributions)
    {
        var writer = new PayloadWriter();
        writer.Byte(userId is null ? (byte)0 : HasUserId);
        if (userId is not null)
        {
            writer.String(userId);
        }

        writer.UInt128(userHash);
        writer.Int32(contributions.Count);
        foreach (var hit in contributions)
        {
            writer.String(hit.ItemId);
            writer.Single(hit.Weight);
            writer.Int64(hit.Timestamp.UtcTicks);
        }

        return new LogAppend(LogRecordType.Tombstone, writer.ToArray());
    }

    /// <summary>Decodes a stored record; a record of a type this version does not know is returned as null and skipped by readers.</summary>
    public static LogEntry? Decode(LogRecord record)
    {
        var reader = new PayloadReader(record.Payload.Span);
        switch (record.Type)
        {
            case LogRecordType.Events:
                {
                    var batchId = reader.Guid();
                    var partCount = reader.UInt16();
                    var partitions = ImmutableArray.CreateBuilder<int>(reader.UInt16());
                    for (var i = 0; i < partitions.Capacity; i++)
                    {
                        partitions.Add(reader.UInt16());
                    }

                    var count = reader.Int32();
                    var events = ImmutableArray.CreateBuilder<LoggedEvent>(count);
                    for (var i = 0; i < count; i++)
                    {
                        var user = reader.String();
                        var item = reader.String();
                        var type = reader.String();
                        var weight = reader.Single();
                        var flags = reader.Byte();
                        float? value = (flags & HasValue) != 0 ? reader.Single() : null;
                        var timestamp = new DateTimeOffset(reader.Int64(), TimeSpan.Zero);
                        var eventId = (flags & HasEventId) != 0 ? reader.String() : null;
                        events.Add(new LoggedEvent(user, new Interaction(item, type, weight, value, timestamp), eventId));
                    }

                    return new EventsEntry(record.Sequence, record.AppendedAt, batchId, partCount, partitions.MoveToImmutable(), events.MoveToImmutable());
                }

            case LogRecordType.Commit or LogRecordType.Abort:
                return new DecisionEntry(record.Sequence, record.AppendedAt, reader.Guid(), record.Type == LogRecordType.Commit);

            case LogRecordType.Tombstone:
                {
                    var userId = (reader.Byte() & HasUserId) != 0 ? reader.String() : null;
                    var hash = reader.UInt128();
                    var count = reader.Int32();
                    var hits = ImmutableArray.CreateBuilder<PopularityHit>(count);
                    for (var i = 0; i < count; i++)
                    {
                        hits.Add(new PopularityHit(reader.String(), reader.Single(), new DateTimeOffset(reader.Int64(), TimeSpan.Zero)));
                    }

                    return new TombstoneEntry(record.Sequence, record.AppendedAt, userId, hash, hits.MoveToImmutable());
                }

            default:
                return null;
        }
    }

    private sealed class PayloadWriter
    {
        private byte[] _buffer = new byte[256];
        private int _length;

        public byte[] ToArray() => _buffer.AsSpan(0, _length).ToArray();

        public void Byte(byte value) => Reserve(1)[0] = value;

        public void UInt16(ushort value) => BinaryPrimitives.WriteUInt16LittleEndian(Reserve(2), value);

        public void Int32(int value) => BinaryPrimitives.WriteInt32LittleEndian(Reserve(4), value);

        public void Int64(long value) => BinaryPrimitives.WriteInt64LittleEndian(Reserve(8), value);

        public void Single(float value) => BinaryPrimitives.WriteSingleLittleEndian(Reserve(4), value);

        public void Guid(Guid value) => value.TryWriteBytes(Reserve(16));

        public void UInt128(UInt128 value) => BinaryPrimitives.WriteUInt128LittleEndian(Reserve(16), value);

        public void String(string value)
        {
            var bytes = Encoding.UTF8.GetByteCount(value);
            var length = (uint)bytes;
            while (length >= 0x80)
            {
                Byte((byte)(length | 0x80));
                length >>= 7;
            }

            Byte((byte)length);
            Encoding.UTF8.GetBytes(value, Reserve(bytes));
        }

        private Span<byte> Reserve(int count)
        {
            if (_length + count > _buffer.Length)
            {
                Array.Resize(ref _buffer, Math.Max(_buffer.Length * 2, _length + count));
            }

            var span = _buffer.AsSpan(_length, count);
            _length += count;
            return span;
        }
    }

    private ref struct PayloadReader(ReadOnlySpan<byte> payload)
    {
        private readonly ReadOnlySpan<byte> _payload = payload;
        private int _position;

        public byte Byte() => Take(1)[0];

        public ushort UInt16() => BinaryPrimitives.ReadUInt16LittleEndian(Take(2));

        public int Int32() => BinaryPrimitives.ReadInt32LittleEndian(Take(4));

        public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

        public float Single() => BinaryPrimitives.ReadSingleLittleEndian(Take(4));

        public Guid Guid() => new(Take(16));

        public UInt128 UInt128() => BinaryPrimitives.ReadUInt128LittleEndian(Take(16));

        public string String()
        {
            var length = 0;
            for (var shift = 0; ; shift += 7)
            {
                var b = Byte();
                length |= (b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    break;
                }

                if (shift > 28)
                {
                    throw new InvalidDataException("A log record holds a malformed string length.");
                }
            }

            return Encoding.UTF8.GetString(Take(length));
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count < 0 || _position + count > _payload.Length)
            {
                throw new InvalidDataException("A log record ends before its declared content.");
            }

            var span = _payload.Slice(_position, count);
            _position += count;
            return span;
        }
    }
}
