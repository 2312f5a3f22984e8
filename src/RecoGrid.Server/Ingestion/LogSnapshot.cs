using System.Runtime.CompilerServices;
using RecoGrid.Grains.Log;
using RecoGrid.Storage.Log;

namespace RecoGrid.Server.Ingestion;

/// <summary>One acknowledged event as training reads it from the log.</summary>
public sealed record LoggedInteraction(
    string UserId,
    string ItemId,
    string Type,
    float Weight,
    float? Value,
    DateTimeOffset Timestamp,
    string? EventId,
    DateTimeOffset AppendedAt);

/// <summary>Counts of what a snapshot read, kept and left out.</summary>
public sealed class LogSnapshotStatistics
{
    public long Records { get; internal set; }

    public long Events { get; internal set; }

    public long ErasedEvents { get; internal set; }

    public long InvisibleEvents { get; internal set; }

    public long LaterEvents { get; internal set; }
}

/// <summary>
/// A consistent read of what the log acknowledged: every partition up to its durable end at the start of the read, only
/// batches that became visible (single-part, or every part present and none aborted), never an erased user's events,
/// and with <c>until</c> only records appended at or before that time. Safe while a server appends.
/// </summary>
public static class LogSnapshot
{
    public static async IAsyncEnumerable<LoggedInteraction> ReadAsync(
        IInteractionLogStore store, DateTimeOffset? until, LogSnapshotStatistics? statistics = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        statistics ??= new LogSnapshotStatistics();
        var ends = new long[store.Partitions];
        var tombstones = new Dictionary<UInt128, long>[store.Partitions];
        var parts = new Dictionary<Guid, (int Expected, HashSet<int> Seen)>();
        var decisions = new Dictionary<Guid, bool>();
        for (var p = 0; p < store.Partitions; p++)
        {
            var segments = await store.ListSegmentsAsync(p, cancellationToken);
            ends[p] = segments.Count == 0 ? 0 : segments[^1].LastSequence + 1;
            tombstones[p] = [];

            // Pass 1: which batches are visible, and who was erased.
            await foreach (var record in store.ReadAsync(p, 0, ends[p], cancellationToken))
            {
                switch (LogCodec.Decode(record))
                {
                    case EventsEntry { IsMultiPart: true } part:
                        if (!parts.TryGetValue(part.BatchId, out var seen))
                        {
                            parts[part.BatchId] = seen = (part.PartCount, []);
                        }

                        seen.Seen.Add(p);
                        break;
                    case DecisionEntry decision:
                        // An abort anywhere wins: a part that failed must hide the whole batch.
                        decisions[decision.BatchId] = decisions.GetValueOrDefault(decision.BatchId, true) && decision.Committed;
                        break;
                    case TombstoneEntry tombstone:
                        tombstones[p][tombstone.UserHash] = Math.Max(tombstones[p].GetValueOrDefault(tombstone.UserHash), tombstone.Sequence);
                        break;
                }
            }
        }

        bool Visible(EventsEntry events) =>
            !events.IsMultiPart ||
            (decisions.TryGetValue(events.BatchId, out var committed)
                ? committed
                : parts.TryGetValue(events.BatchId, out var seen) && seen.Seen.Count >= seen.Expected);

        for (var p = 0; p < store.Partitions; p++)
        {
            await foreach (var record in store.ReadAsync(p, 0, ends[p], cancellationToken))
            {
                statistics.Records++;
                if (LogCodec.Decode(record) is not EventsEntry events)
                {
                    continue;
                }

                if (!Visible(events))
                {
                    statistics.InvisibleEvents += events.Events.Length;
                    continue;
                }

                if (until is { } cut && record.AppendedAt > cut)
                {
                    statistics.LaterEvents += events.Events.Length;
                    continue;
                }

                foreach (var e in events.Events)
                {
                    if (LogCompactor.IsErased(tombstones[p], e.UserId, record.Sequence))
                    {
                        statistics.ErasedEvents++;
                        continue;
                    }

                    statistics.Events++;
                    var i = e.Interaction;
                    yield return new LoggedInteraction(e.UserId, i.ItemId, i.Type, i.Weight, i.Value, i.Timestamp, e.EventId, record.AppendedAt);
                }
            }
        }
    }
}
