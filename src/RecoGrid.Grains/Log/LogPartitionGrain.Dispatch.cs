using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using RecoGrid.Abstractions;

namespace RecoGrid.Grains.Log;

/// <summary>
/// Hands visible records to their users and to the popularity shard in sequence order. A user's record waits behind
/// any earlier record of that user whose batch is undecided, so a user grain can trust "everything before my position
/// is applied"; popularity advances only over a prefix of the log in which every record is decided.
/// </summary>
public sealed partial class LogPartitionGrain
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(200);
    private readonly Dictionary<string, UserQueue> _queues = new(StringComparer.Ordinal);
    private readonly SortedDictionary<long, long> _appendedRanges = [];
    private readonly SortedDictionary<long, PopularityDelta> _popularityPending = [];
    private readonly SortedDictionary<long, TaskCompletionSource> _popularityWaiters = [];
    private long _contiguous;
    private long _popularitySent;
    private long _popularityDurable;
    private bool _popularityBusy;

    /// <summary>Makes a just-appended single-part batch or tombstone visible and waits until its users and popularity have it.</summary>
    private Task Publish(LogEntry entry)
    {
        var applied = Enqueue(entry, decided: true);
        applied.Add(PopularityReached(entry.Sequence));
        AddPopularity(entry);
        return Task.WhenAll(applied);
    }

    /// <summary>Completes once the popularity shard has been sent every record through <paramref name="sequence"/> (or a send failed).</summary>
    private Task PopularityReached(long sequence)
    {
        if (sequence < _popularitySent)
        {
            return Task.CompletedTask;
        }

        if (!_popularityWaiters.TryGetValue(sequence, out var waiter))
        {
            _popularityWaiters[sequence] = waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        return waiter.Task;
    }

    private void ReleasePopularityWaiters(long below)
    {
        foreach (var sequence in _popularityWaiters.Keys.TakeWhile(s => s < below).ToList())
        {
            _popularityWaiters.Remove(sequence, out var waiter);
            waiter!.TrySetResult();
        }
    }

    /// <summary>Decides a part of a multi-part batch and, when visible, waits until its users have applied it.</summary>
    private Task Decide(EventsEntry entry, bool visible)
    {
        _undecided.Remove(entry.Sequence);
        var applied = new List<Task>();
        if (visible)
        {
            applied.Add(PopularityReached(entry.Sequence));
        }

        foreach (var userId in entry.Events.Select(e => e.UserId).Distinct(StringComparer.Ordinal))
        {
            if (_queues.TryGetValue(userId, out var queue) && queue.Find(entry.Sequence) is { } record)
            {
                record.Decided = true;
                record.Visible = visible;
                applied.Add(record.Applied.Task);
                if (visible)
                {
                    _backlog.Add(userId, entry.Sequence, entry.AppendedAt);
                }

                _ = PumpAsync(userId, queue);
            }
        }

        if (visible)
        {
            AddPopularity(entry);
        }
        else
        {
            _popularityPending[entry.Sequence] = PopularityDelta.Empty;
        }

        _ = FeedPopularityAsync();
        return Task.WhenAll(applied);
    }

    /// <summary>Queues a record for each of its users; returns what completes when each has applied it.</summary>
    private List<Task> Enqueue(LogEntry entry, bool decided)
    {
        var applied = new List<Task>();
        void Add(string userId, ImmutableArray<Interaction> interactions, bool erase)
        {
            if (!_queues.TryGetValue(userId, out var queue))
            {
                _queues[userId] = queue = new UserQueue();
            }

            var record = new QueuedRecord(new SequencedInteractions(entry.Sequence, interactions, erase)) { Decided = decided, Visible = decided };
            queue.Records.Enqueue(record);
            applied.Add(record.Applied.Task);
            if (decided)
            {
                if (erase)
                {
                    _backlog.Clear(userId);
                }

                _backlog.Add(userId, entry.Sequence, entry.AppendedAt);
                _ = PumpAsync(userId, queue);
            }
        }

        switch (entry)
        {
            case EventsEntry events:
                foreach (var group in events.Events.GroupBy(e => e.UserId, StringComparer.Ordinal))
                {
                    Add(group.Key, [.. group.Select(e => e.Interaction)], erase: false);
                }

                break;
            case TombstoneEntry { UserId: { } userId }:
                Add(userId, [], erase: true);
                break;
        }

        return applied;
    }

    /// <summary>The sequence of the user's first record whose batch is undecided, or null.</summary>
    private long? FirstUndecided(string userId) =>
        _queues.TryGetValue(userId, out var queue) ? queue.Records.FirstOrDefault(r => !r.Decided)?.Record.Sequence : null;

    // One apply in flight per user, strictly in queue (= sequence) order; an undecided head holds the rest back.
    private async Task PumpAsync(string userId, UserQueue queue)
    {
        if (queue.Running)
        {
            return;
        }

        queue.Running = true;
        try
        {
            while (queue.Records.TryPeek(out var head) && head.Decided)
            {
                if (head.Visible)
                {
                    try
                    {
                        await GrainFactory.GetGrain<IUserGrain>(userId).Apply(head.Record);
                    }
                    catch (Exception exception)
                    {
                        // The record is durable: the request that wrote it is not failed for this. The user's state is
                        // behind, so keep the record at the head and retry; later records wait behind it.
                        LogApplyFailed(exception, _partition, head.Record.Sequence);
                        head.Applied.TrySetResult();
                        await Task.Delay(RetryDelay, time);
                        continue;
                    }
                }

                queue.Records.Dequeue();
                head.Applied.TrySetResult();
            }
        }
        finally
        {
            queue.Running = false;
            if (queue.Records.Count == 0)
            {
                _queues.Remove(userId);
            }
        }
    }

    /// <summary>Records that sequences [first, first+count) are appended, so the decided prefix may advance over them.</summary>
    private void Appended(long first, int count)
    {
        _appendedRanges[first] = first + count;
        while (_appendedRanges.Remove(_contiguous, out var end))
        {
            _contiguous = end;
        }
    }

    private void AddPopularity(LogEntry entry)
    {
        _popularityPending[entry.Sequence] = entry switch
        {
            EventsEntry events => new PopularityDelta(
                [.. events.Events.Where(e => !ErasedAfter(e.UserId, entry.Sequence)).Select(e => new PopularityHit(e.Interaction.ItemId, e.Interaction.Weight, e.Interaction.Timestamp))],
                []),
            TombstoneEntry tombstone => new PopularityDelta([], tombstone.Contributions),
            _ => PopularityDelta.Empty,
        };
        _ = FeedPopularityAsync();
    }

    /// <summary>The end of the decided prefix: popularity and recovery positions never pass an undecided record.</summary>
    private long DecidedThrough() => _undecided.Count > 0 ? Math.Min(_undecided.Min, _contiguous) : _contiguous;

    // One update in flight; each carries every decided delta below the decided prefix's end, in order.
    private async Task FeedPopularityAsync()
    {
        if (_popularityBusy)
        {
            return;
        }

        _popularityBusy = true;
        try
        {
            while (true)
            {
                var through = DecidedThrough();
                if (through <= _popularitySent)
                {
                    return;
                }

                var add = ImmutableArray.CreateBuilder<PopularityHit>();
                var subtract = ImmutableArray.CreateBuilder<PopularityHit>();
                var included = _popularityPending.Keys.TakeWhile(s => s < through).ToList();
                foreach (var sequence in included)
                {
                    add.AddRange(_popularityPending[sequence].Add);
                    subtract.AddRange(_popularityPending[sequence].Subtract);
                }

                try
                {
                    await GrainFactory.GetGrain<IPopularityShardGrain>(_partition).Apply(new PopularityUpdate(add.ToImmutable(), subtract.ToImmutable(), through));
                    _popularitySent = through;
                    included.ForEach(sequence => _popularityPending.Remove(sequence));
                    ReleasePopularityWaiters(through);
                }
                catch (Exception exception)
                {
                    // Kept for the next update (the shard ignores a range it already has); a shard that lost it in a crash is fed again from the log.
                    LogPopularityFailed(exception, _partition);
                    ReleasePopularityWaiters(long.MaxValue);
                    return;
                }
            }
        }
        finally
        {
            _popularityBusy = false;
        }
    }

    private sealed class UserQueue
    {
        public Queue<QueuedRecord> Records { get; } = new();

        public bool Running { get; set; }

        public QueuedRecord? Find(long sequence) => Records.FirstOrDefault(r => r.Record.Sequence == sequence);
    }

    private sealed class QueuedRecord(SequencedInteractions record)
    {
        public SequencedInteractions Record { get; } = record;

        public bool Decided { get; set; }

        public bool Visible { get; set; }

        public TaskCompletionSource Applied { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed record PopularityDelta(ImmutableArray<PopularityHit> Add, ImmutableArray<PopularityHit> Subtract)
    {
        public static PopularityDelta Empty { get; } = new([], []);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Log partition {Partition}: applying record {Sequence} to its user failed; retrying.")]
    private partial void LogApplyFailed(Exception exception, int partition, long sequence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Log partition {Partition}: updating its popularity shard failed; the next update carries the counts.")]
    private partial void LogPopularityFailed(Exception exception, int partition);
}
