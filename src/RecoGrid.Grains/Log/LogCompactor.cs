using RecoGrid.Abstractions;
using RecoGrid.Storage.Log;

namespace RecoGrid.Grains.Log;

/// <summary>What compacting one segment did.</summary>
public sealed record SegmentCompaction(int Partition, long Segment, long LastSequence, long ErasedEvents, long BytesBefore, long BytesAfter);

/// <summary>
/// Erasure made physical: sealed segments are rewritten without the events of users erased after them, and tombstones
/// that every projection has passed (before <c>replayFrom</c>) lose the user id and the contributions they carried; only
/// the id's hash stays, which is what later readers match records against. Safe beside a running writer: only sealed
/// segments change, each atomically, one rewriter at a time.
/// </summary>
public static class LogCompactor
{
    public static async Task<IReadOnlyList<SegmentCompaction>> CompactAsync(
        IInteractionLogStore store, int partition, IReadOnlyDictionary<UInt128, long> tombstones, long replayFrom,
        Func<LogSegmentInfo, bool>? shouldVisit = null, CancellationToken cancellationToken = default)
    {
        var results = new List<SegmentCompaction>();
        if (tombstones.Count == 0)
        {
            return results;
        }

        foreach (var segment in await store.ListSegmentsAsync(partition, cancellationToken))
        {
            if (!segment.IsSealed || !tombstones.Values.Any(erasedAt => erasedAt > segment.FirstSequence) || shouldVisit?.Invoke(segment) == false)
            {
                continue;
            }

            long erased = 0;
            var rewrite = await store.TransformSegmentAsync(partition, segment.FirstSequence, record =>
            {
                var (kept, removed) = Compacted(record, tombstones, replayFrom);
                erased += removed;
                return kept;
            }, cancellationToken);
            results.Add(new SegmentCompaction(partition, segment.FirstSequence, segment.LastSequence, erased, rewrite.BytesBefore, rewrite.BytesAfter));
        }

        return results;
    }

    /// <summary>Whether <paramref name="userId"/>'s record at <paramref name="sequence"/> was erased by a later tombstone.</summary>
    public static bool IsErased(IReadOnlyDictionary<UInt128, long> tombstones, string userId, long sequence) =>
        tombstones.Count > 0 && tombstones.TryGetValue(LogCodec.HashUser(userId), out var erasedAt) && erasedAt > sequence;

    private static (LogAppend? Kept, int Removed) Compacted(LogRecord record, IReadOnlyDictionary<UInt128, long> tombstones, long replayFrom)
    {
        switch (LogCodec.Decode(record))
        {
            case EventsEntry events:
                var kept = events.Events.Where(e => !IsErased(tombstones, e.UserId, record.Sequence)).ToList();
                var removed = events.Events.Length - kept.Count;
                if (removed == 0)
                {
                    return (new LogAppend(record.Type, record.Payload), 0);
                }

                // An emptied part still says "this batch had a part here", so batch decisions stay the same.
                var part = new LogBatchPart(events.BatchId, events.PartCount, events.Partitions, [.. kept]);
                return (LogCodec.EncodeEvents(part, kept), removed);
            case TombstoneEntry { UserId: not null } tombstone when tombstone.Sequence < replayFrom:
                return (LogCodec.EncodeTombstone(null, tombstone.UserHash, []), 0);
            default:
                return (new LogAppend(record.Type, record.Payload), 0);
        }
    }
}
