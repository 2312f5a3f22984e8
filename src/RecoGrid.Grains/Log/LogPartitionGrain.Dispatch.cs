using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Common;

namespace RecoGrid.Grains.Log;

/// <summary>
/// Hands visible records to the users whose grain is active and to the popularity shard, in sequence order. A user's
/// record waits behind any earlier record of that user whose batch is undecided, so a user grain can trust "everything
/// before my position is applied"; inactive users' records are only noted (the grain reads them when it activates);
/// popularity advances only over a prefix of the log in which every record is decided.
/// </summary>
public sealed partial class LogPartitionGrain
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(200);
    private readonly Dictionary<string, UserQueue> _queues = new(StringComparer.Ordinal);
    private readonly SortedDictionary<long, long> _appendedRanges = [];
    private readonly SortedDictionary<long, PopularityDelta> _popularityPending = [];
    private long _contiguous;
    private long _popularitySent;
    private long _popularityDurable;
    private Task _popularityFeed = Task.CompletedTask;

    /// <summary>
    /// Makes a just-appended single-part batch or tombstone visible and waits until its active users have applied it.
    /// Popularity is derived data and follows in the background (its ranking is merged every Popularity:MergeInterval anyway).
    /// </summary>
    private Task Publish(LogEntry entry)
    {
        var applied = Enqueue(entry, decided: true);
        AddPopularity(entry);
        return AppliedOrWaitLimit(applied);
    }

    /// <summary>
    /// Waits until the users have applied their records, at most <see cref="InteractionLogOptions.WaitLimit"/>: the
    /// records are durable already, and a user grain that is slow to take them (activating, say, while this partition is
    /// being deactivated) gets them from the queue or from the log when it activates.
    /// </summary>
    private async Task AppliedOrWaitLimit(List<Task> applied)
    {
        if (applied.Count > 0 && !await WithinWaitLimit(applied))
        {
            LogApplyWaitElapsed(_partition, Settings.WaitLimit.TotalSeconds);
        }
    }

    /// <summary>
    /// Waits for <paramref name="work"/> at most <see cref="InteractionLogOptions.WaitLimit"/> (it goes on after that);
    /// false when the limit passed first. What a request of the partition waits on outside it is bounded by this.
    /// </summary>
    private async Task<bool> WithinWaitLimit(IEnumerable<Task> work)
    {
        try
        {
            await Task.WhenAll(work).WaitAsync(Settings.WaitLimit, time);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Decides a part of a multi-part batch and, when visible, waits until its users have applied it.</summary>
    private Task Decide(EventsEntry entry, bool visible)
    {
        _undecided.Remove(entry.Sequence);
        var applied = new List<Task>();

        foreach (var userId in entry.Events.Select(e => e.UserId).Distinct(StringComparer.Ordinal))
        {
            if (visible)
            {
                _backlog.Add(userId, entry.Sequence, entry.AppendedAt);
            }

            if (_queues.TryGetValue(userId, out var queue) && queue.Find(entry.Sequence) is { } record)
            {
                record.Decided = true;
                record.Visible = visible;
                applied.Add(record.Applied.Task);
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

        KickPopularity();
        return AppliedOrWaitLimit(applied);
    }

    /// <summary>Queues a record for each of its users; returns what completes when each has applied it.</summary>
    private List<Task> Enqueue(LogEntry entry, bool decided)
    {
        var applied = new List<Task>();
        void Add(string userId, ImmutableArray<Interaction> interactions, bool erase)
        {
            if (decided)
            {
                if (erase)
                {
                    _backlog.Clear(userId);
                }

                _backlog.Add(userId, entry.Sequence, entry.AppendedAt);
            }

            // Only users whose grain is active get the record now; the others read it when they next activate.
            if (!_active.ContainsKey(userId))
            {
                return;
            }

            if (!_queues.TryGetValue(userId, out var queue))
            {
                _queues[userId] = queue = new UserQueue();
            }

            var record = new QueuedRecord(new SequencedInteractions(entry.Sequence, interactions, erase)) { Decided = decided, Visible = decided };
            queue.Records.Enqueue(record);
            applied.Add(record.Applied.Task);
            if (decided)
            {
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
            // A closing activation stops: its successor reads the user's records from the log (the user's grain asks it).
            while (!_closing && queue.Records.TryPeek(out var head) && head.Decided)
            {
                if (head.Visible)
                {
                    try
                    {
                        await GrainFactory.Reference<IUserGrain>(userId).Apply(head.Record);
                    }
                    catch (Exception exception)
                    {
                        // The record is durable: the request that wrote it is not failed for this. The user's state is
                        // behind, so keep the record at the head and retry; later records wait behind it.
                        LogApplyFailed(exception, _partition, head.Record.Sequence);
                        head.Applied.TrySetResult();
                        await Task.Delay(RetryDelay);
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
            if (_closing)
            {
                // Nobody waits on a closing activation's deliveries: the records are durable and read again at catch-up.
                foreach (var record in queue.Records)
                {
                    record.Applied.TrySetResult();
                }
            }

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
        KickPopularity();
    }

    /// <summary>The end of the decided prefix: popularity and recovery positions never pass an undecided record.</summary>
    private long DecidedThrough() => _undecided.Count > 0 ? Math.Min(_undecided.Min, _contiguous) : _contiguous;

    /// <summary>Starts sending popularity updates unless a send is already running (it picks up what is new).</summary>
    private void KickPopularity()
    {
        if (_popularityFeed.IsCompleted)
        {
            _popularityFeed = FeedPopularityAsync();
        }
    }

    // One update in flight; each carries every decided delta below the decided prefix's end, in order.
    private async Task FeedPopularityAsync()
    {
        {
            while (!_closing)
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
                }
                catch (Exception exception)
                {
                    // Kept for the next update (the shard ignores a range it already has); a shard that lost it in a crash is fed again from the log.
                    LogPopularityFailed(exception, _partition);
                    return;
                }
            }
        }
    }

    /// <summary>Waits until the popularity shard has every decided record (a few attempts if sends fail).</summary>
    public async Task FlushPopularity()
    {
        var target = DecidedThrough();
        for (var attempt = 0; attempt < 5 && _popularitySent < target; attempt++)
        {
            if (_popularityFeed.IsCompleted)
            {
                _popularityFeed = FeedPopularityAsync();
            }

            if (!await WithinWaitLimit([_popularityFeed]))
            {
                return; // The shard is slow or gone; the merge that asked uses what it has.
            }
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Log partition {Partition}: users did not apply an append's records within {Seconds} s; it is answered (the records are durable) and they get them later.")]
    private partial void LogApplyWaitElapsed(int partition, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Log partition {Partition}: updating its popularity shard failed; the next update carries the counts.")]
    private partial void LogPopularityFailed(Exception exception, int partition);
}
