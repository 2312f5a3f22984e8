using RecoGrid.Storage.Log;

namespace RecoGrid.Grains.Log;

/// <summary>
/// Decides a multi-part batch whose sender never said commit or abort: it is visible exactly when every one of its
/// parts is durable in its partition and none of them was aborted. Reads the other partitions (readers never disturb
/// a writer), around the time this part was appended.
/// </summary>
public static class BatchResolver
{
    private static readonly TimeSpan Slack = TimeSpan.FromMinutes(2);

    public static async Task<bool> AllPartsPresentAsync(IInteractionLogStore store, int partition, EventsEntry part, CancellationToken cancellationToken)
    {
        foreach (var other in part.Partitions.Where(p => p != partition))
        {
            if (!await HasPartAsync(store, other, part, cancellationToken))
            {
                return false;
            }
        }

        return true;
    }

    private static async Task<bool> HasPartAsync(IInteractionLogStore store, int partition, EventsEntry part, CancellationToken cancellationToken)
    {
        var from = part.AppendedAt - Slack;
        var to = part.AppendedAt + Slack;
        var found = false;
        foreach (var segment in await store.ListSegmentsAsync(partition, cancellationToken))
        {
            if ((segment.SealedAt ?? DateTimeOffset.MaxValue) < from || segment.CreatedAt > to)
            {
                continue;
            }

            var end = segment.LastSequence + 1;
            await foreach (var record in store.ReadAsync(partition, segment.FirstSequence, end, cancellationToken))
            {
                if (record.AppendedAt < from || record.AppendedAt > to)
                {
                    continue;
                }

                switch (LogCodec.Decode(record))
                {
                    case EventsEntry events when events.BatchId == part.BatchId:
                        found = true;
                        break;
                    case DecisionEntry { Committed: false } abort when abort.BatchId == part.BatchId:
                        return false;
                }
            }
        }

        return found;
    }
}
