using System.Runtime.CompilerServices;
using Microsoft.Win32.SafeHandles;
using RecoGrid.Storage.Log;

namespace RecoGrid.Storage.FileSystem.Log;

/// <summary>How a scan treats what it finds.</summary>
internal enum SegmentScanMode
{
    /// <summary>A sealed segment: every byte must be a valid record, sequences increase (gaps allowed after compaction).</summary>
    Sealed,

    /// <summary>The committed part of the active segment: every byte must be a valid record, sequences are consecutive.</summary>
    Committed,

    /// <summary>The active segment as a crash may have left it: stop at the first invalid record and hand out only complete appends.</summary>
    Tail,
}

/// <summary>One record found by a scan: where it starts and its whole frame.</summary>
internal readonly record struct ScannedRecord(long Offset, RecordFrame Frame, ReadOnlyMemory<byte> Bytes)
{
    public ReadOnlyMemory<byte> Payload => Bytes[SegmentFormat.RecordHeaderSize..];

    public LogRecord ToLogRecord() =>
        new(Frame.Sequence, Frame.Type, Payload, DateTimeOffset.FromUnixTimeMilliseconds(Frame.AppendedAtUnixMs));
}

/// <summary>Reads the records of one segment file between two offsets, validating length, checksum and sequence of each.</summary>
internal sealed class SegmentScanner
{
    private const int DefaultChunkBytes = 256 * 1024;
    private readonly Func<Memory<byte>, long, CancellationToken, ValueTask<int>> _read;
    private readonly int _chunkBytes;
    private readonly string _path;
    private readonly long _start;
    private readonly long _end;
    private readonly long _expectedSequence;
    private readonly SegmentScanMode _mode;
    private readonly long _sequenceLimit;

    /// <summary>Prepares a scan of <c>[start, end)</c>, whose first record should have sequence <paramref name="expectedSequence"/> (or more, in a sealed segment); sealed-segment records must stay below <paramref name="sequenceLimit"/>.</summary>
    public SegmentScanner(SafeFileHandle handle, string path, long start, long end, long expectedSequence, SegmentScanMode mode, long sequenceLimit = long.MaxValue)
        : this((destination, offset, ct) => RandomAccess.ReadAsync(handle, destination, offset, ct), DefaultChunkBytes, path, start, end, expectedSequence, mode, sequenceLimit)
    {
    }

    /// <summary>
    /// Prepares a scan over any byte source (a blob, say): <paramref name="read"/> fills the memory from an offset and returns
    /// how many bytes it read (0 at the end); chunks of <paramref name="chunkBytes"/> are asked for.
    /// </summary>
    public SegmentScanner(
        Func<Memory<byte>, long, CancellationToken, ValueTask<int>> read, int chunkBytes, string path, long start, long end, long expectedSequence, SegmentScanMode mode, long sequenceLimit = long.MaxValue)
    {
        _read = read;
        _chunkBytes = chunkBytes;
        _path = path;
        _start = start;
        _end = end;
        _expectedSequence = expectedSequence;
        _mode = mode;
        _sequenceLimit = sequenceLimit;
        ValidEnd = start;
        NextSequence = expectedSequence;
    }

    /// <summary>Offset just past the last record handed out (in tail mode: past the last complete append).</summary>
    public long ValidEnd { get; private set; }

    /// <summary>The sequence number after the last record handed out.</summary>
    public long NextSequence { get; private set; }

    /// <summary>How many records were handed out.</summary>
    public long Records { get; private set; }

    /// <summary>Why a tail scan stopped before the end; null when it read everything.</summary>
    public string? StopReason { get; private set; }

    // Each refill gets a fresh buffer so the payloads handed out stay valid after the scan moves on.
    public async IAsyncEnumerable<ScannedRecord> ReadAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var buffer = Array.Empty<byte>();
        var bufferOffset = _start;
        var position = 0;
        var filled = 0;
        var fileEnd = _end;
        var expected = _expectedSequence;
        var pending = _mode == SegmentScanMode.Tail ? new List<ScannedRecord>() : null;
        while (true)
        {
            var status = SegmentFormat.TryReadRecord(buffer.AsSpan(position, filled - position), out var frame, out var needed);
            var offset = bufferOffset + position;
            if (status == FrameStatus.Incomplete)
            {
                var held = filled - position;
                var available = fileEnd - offset;
                if (held == 0 && available <= 0)
                {
                    break;
                }

                if (available <= held)
                {
                    Fail(offset, SegmentFormat.Describe(status));
                    break;
                }

                var next = new byte[(int)Math.Min(Math.Max(_chunkBytes, needed), available)];
                buffer.AsSpan(position, held).CopyTo(next);
                var read = await ReadAtLeastAsync(next.AsMemory(held), offset + held, cancellationToken);
                if (read < next.Length - held)
                {
                    // The file is shorter than it was said to be (cut back meanwhile); what is there is all there is.
                    fileEnd = offset + held + read;
                }

                buffer = next;
                bufferOffset = offset;
                position = 0;
                filled = held + read;
                continue;
            }

            if (status != FrameStatus.Valid)
            {
                Fail(offset, SegmentFormat.Describe(status));
                break;
            }

            var consecutive = _mode != SegmentScanMode.Sealed;
            if (consecutive ? frame.Sequence != expected : frame.Sequence < expected || frame.Sequence >= _sequenceLimit)
            {
                Fail(offset, consecutive
                    ? $"record sequence {frame.Sequence} where {expected} was expected"
                    : $"record sequence {frame.Sequence} outside [{expected}, {_sequenceLimit})");
                break;
            }

            var record = new ScannedRecord(offset, frame, buffer.AsMemory(position, frame.Size));
            position += frame.Size;
            expected = frame.Sequence + 1;
            if (pending is null)
            {
                Accept(record, 1);
                yield return record;
                continue;
            }

            pending.Add(record);
            if ((frame.Flags & SegmentFormat.EndOfAppend) != 0)
            {
                Accept(record, pending.Count);
                foreach (var complete in pending)
                {
                    yield return complete;
                }

                pending.Clear();
            }
        }

        if (pending is { Count: > 0 })
        {
            StopReason ??= $"the last append ({pending.Count} records) never reached the disk in full";
        }
    }

    private void Accept(ScannedRecord last, int count)
    {
        ValidEnd = last.Offset + last.Frame.Size;
        NextSequence = last.Frame.Sequence + 1;
        Records += count;
    }

    private void Fail(long offset, string reason)
    {
        if (_mode != SegmentScanMode.Tail)
        {
            throw new LogCorruptionException($"Log segment '{_path}' is corrupt at offset {offset}: {reason}.", _path, offset);
        }

        StopReason = $"{reason} at offset {offset}";
    }

    private async ValueTask<int> ReadAtLeastAsync(Memory<byte> destination, long fileOffset, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < destination.Length)
        {
            var read = await _read(destination[total..], fileOffset + total, cancellationToken);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }
}
