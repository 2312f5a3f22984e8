using RecoGrid.Storage.Log;

namespace RecoGrid.Grains.Log;

/// <summary>
/// Decides multi-part batches whose sender never said commit or abort: a batch is visible exactly when every one of
/// its parts is durable in its partition and none of them was aborted. Reads the other partitions (readers never
/// disturb a writer) around the time the parts were appended: each other partition once for all the batches asked
/// about, and the partitions at the same time, because a recovery after a node's death may have many such batches and
/// the partition answers nothing until it is done.
/// </summary>
public static class BatchResolver
{
    private static readonly TimeSpan Slack = TimeSpan.FromMinutes(2);

    /// <summary>Whether the batch of <paramref name="part"/> (a part in <paramref name="partition"/>) is committed.</summary>
    public static async Task<bool> AllPartsPresentAsync(IInteractionLogStore store, int partition, EventsEntry part, CancellationToken cancellationToken) =>
        (await DecideAsync(store, partition, [part], cancellationToken))[part.BatchId];

    /// <summary>For each of <paramref name="parts"/> (parts in <paramref name="partition"/>): whether its batch is committed.</summary>
    public static async Task<Dictionary<Guid, bool>> DecideAsync(IInteractionLogStore store, int partition, IReadOnlyCollection<EventsEntry> parts, CancellationToken cancellationToken)
    {
        var others = parts.SelectMany(p => p.Partitions).Where(p => p != partition).Distinct().ToList();
        var present = await Task.WhenAll(others.Select(other =>
            PartsPresentAsync(store, other, [.. parts.Where(p => p.Partitions.Contains(other))], cancellationToken)));
        var byPartition = others.Zip(present).ToDictionary(x => x.First, x => x.Second);
        return parts.ToDictionary(
            p => p.BatchId,
            p => p.Partitions.Where(other => other != partition).All(other => byPartition[other].Contains(p.BatchId)));
    }

    // The batches among `wanted` that have a part in `partition` and no abort there.
    private static async Task<HashSet<Guid>> PartsPresentAsync(IInteractionLogStore store, int partition, List<EventsEntry> wanted, CancellationToken cancellationToken)
    {
        var windows = wanted.GroupBy(p => p.BatchId).ToDictionary(g => g.Key, g => (From: g.Min(p => p.AppendedAt) - Slack, To: g.Max(p => p.AppendedAt) + Slack));
        var from = windows.Values.Min(w => w.From);
        var to = windows.Values.Max(w => w.To);
        var found = new HashSet<Guid>();
        var aborted = new HashSet<Guid>();
        foreach (var segment in await store.ListSegmentsAsync(partition, cancellationToken))
        {
            if ((segment.SealedAt ?? DateTimeOffset.MaxValue) < from || segment.CreatedAt > to)
            {
                continue;
            }

            await foreach (var record in store.ReadAsync(partition, segment.FirstSequence, segment.LastSequence + 1, cancellationToken))
            {
                if (record.AppendedAt < from || record.AppendedAt > to)
                {
                    continue;
                }

                var (batchId, isAbort) = LogCodec.Decode(record) switch
                {
                    EventsEntry events => (events.BatchId, false),
                    DecisionEntry { Committed: false } abort => (abort.BatchId, true),
                    _ => (Guid.Empty, false),
                };
                if (windows.TryGetValue(batchId, out var window) && record.AppendedAt >= window.From && record.AppendedAt <= window.To)
                {
                    (isAbort ? aborted : found).Add(batchId);
                }
            }
        }

        found.ExceptWith(aborted);
        return found;
    }
}
