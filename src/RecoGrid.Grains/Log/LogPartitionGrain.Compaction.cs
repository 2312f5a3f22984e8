using Microsoft.Extensions.Logging;
using RecoGrid.Storage.Log;

namespace RecoGrid.Grains.Log;

/// <summary>The partition's own compaction (every <see cref="InteractionLogOptions.CompactionInterval"/> and on request).</summary>
public sealed partial class LogPartitionGrain
{
    // Per sealed segment, what it was last compacted with, so unchanged segments are not rewritten again.
    private readonly Dictionary<long, (int Tombstones, bool Settled)> _compactedWith = [];

    private async Task<long> CompactAsync()
    {
        var replayFrom = ReplayFrom();
        bool Changed(LogSegmentInfo segment) =>
            _compactedWith.GetValueOrDefault(segment.FirstSequence) != (_tombstones.Count, replayFrom > segment.LastSequence);

        var results = await LogCompactor.CompactAsync(store, _partition, _tombstones, replayFrom, Changed);
        foreach (var result in results)
        {
            _compactedWith[result.Segment] = (_tombstones.Count, replayFrom > result.LastSequence);
            LogCompacted(_partition, result.Segment, result.ErasedEvents, result.BytesBefore, result.BytesAfter);
        }

        return results.Sum(r => r.ErasedEvents);
    }

    private bool ErasedAfter(string userId, long sequence) => LogCompactor.IsErased(_tombstones, userId, sequence);

    [LoggerMessage(Level = LogLevel.Information, Message = "Log partition {Partition}: compacted segment {Segment}: {Dropped} erased events removed, {BytesBefore} → {BytesAfter} bytes.")]
    private partial void LogCompacted(int partition, long segment, long dropped, long bytesBefore, long bytesAfter);
}
