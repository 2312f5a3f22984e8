using Microsoft.Extensions.Logging;
using RecoGrid.Storage.Log;

namespace RecoGrid.Grains.Log;

/// <summary>
/// Erasure made physical: sealed segments are rewritten without the events of users erased after them, and tombstones
/// that every projection has passed lose the user id and the contributions they carried (only the id's hash stays,
/// which is what later readers match records against).
/// </summary>
public sealed partial class LogPartitionGrain
{
    private async Task<long> CompactAsync()
    {
        if (_tombstones.Count == 0)
        {
            return 0;
        }

        var replayFrom = ReplayFrom();
        long dropped = 0;
        foreach (var segment in await store.ListSegmentsAsync(_partition))
        {
            if (!segment.IsSealed || !NeedsCompaction(segment, replayFrom))
            {
                continue;
            }

            var droppedHere = 0L;
            var result = await store.TransformSegmentAsync(_partition, segment.FirstSequence, record =>
            {
                var (kept, removed) = Compacted(record, replayFrom);
                droppedHere += removed;
                return kept;
            });
            dropped += droppedHere;
            _compactedWith[segment.FirstSequence] = (_tombstones.Count, replayFrom > segment.LastSequence);
            LogCompacted(_partition, segment.FirstSequence, droppedHere, result.BytesBefore, result.BytesAfter);
        }

        return dropped;
    }

    private bool NeedsCompaction(LogSegmentInfo segment, long replayFrom) =>
        _tombstones.Values.Any(erasedAt => erasedAt > segment.FirstSequence) &&
        (_compactedWith.GetValueOrDefault(segment.FirstSequence) != (_tombstones.Count, replayFrom > segment.LastSequence));

    /// <summary>The record as it should stay (null: drop it) and how many erased events it lost.</summary>
    private (LogAppend? Kept, int Removed) Compacted(LogRecord record, long replayFrom)
    {
        switch (LogCodec.Decode(record))
        {
            case EventsEntry events:
                var kept = events.Events.Where(e => !ErasedAfter(e.UserId, record.Sequence)).ToList();
                var removed = events.Events.Length - kept.Count;
                if (removed == 0)
                {
                    return (new LogAppend(record.Type, record.Payload), 0);
                }

                // An emptied part still says "this batch had a part here", so batch decisions stay the same.
                var part = new Abstractions.LogBatchPart(events.BatchId, events.PartCount, events.Partitions, [.. kept]);
                return (LogCodec.EncodeEvents(part, kept), removed);
            case TombstoneEntry { UserId: not null } tombstone when tombstone.Sequence < replayFrom:
                return (LogCodec.EncodeTombstone(null, tombstone.UserHash, []), 0);
            default:
                return (new LogAppend(record.Type, record.Payload), 0);
        }
    }

    private readonly Dictionary<long, (int Tombstones, bool Settled)> _compactedWith = [];

    [LoggerMessage(Level = LogLevel.Information, Message = "Log partition {Partition}: compacted segment {Segment}: {Dropped} erased events removed, {BytesBefore} → {BytesAfter} bytes.")]
    private partial void LogCompacted(int partition, long segment, long dropped, long bytesBefore, long bytesAfter);
}
