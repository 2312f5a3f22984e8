using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Common;
using RecoGrid.Grains.Telemetry;
using RecoGrid.Storage.Log;

namespace RecoGrid.Grains.Log;

/// <summary>
/// The single writer of one log partition. Appends are group-committed (many requests share one write and one fsync);
/// client event ids are de-duplicated before anything is written; a part of a multi-part batch stays invisible until
/// the batch commits; visible records go to their users and to the popularity shard in sequence order. Reentrant, so
/// appends from many requests are in flight at once; every turn still runs alone.
/// </summary>
[Reentrant]
public sealed partial class LogPartitionGrain(
    IInteractionLogStore store,
    IOptions<InteractionLogOptions> options,
    IProjectionDurability durability,
    PartitionHandover handover,
    [FromKeyedServices(RecoGridClock.Key)] TimeProvider time,
    ILogger<LogPartitionGrain> logger) : Grain, ILogPartitionGrain
{
    private readonly Dictionary<Guid, PendingPart> _pending = [];
    private readonly SortedSet<long> _undecided = [];
    private readonly UserBacklog _backlog = new();
    private readonly Dictionary<string, Guid> _active = new(StringComparer.Ordinal);
    private Dictionary<UInt128, long> _tombstones = [];
    private DeduplicationWindow _dedup = null!;
    private RecentEntries _recent = null!;
    private LogGroupCommitter _log = null!;
    private int _partition;
    private bool _closing;

    private InteractionLogOptions Settings => options.Value;

    public async Task<LogAppendResult> Append(LogBatchPart part)
    {
        var fresh = new List<LoggedEvent>(part.Events.Length);
        var keys = new List<UInt128>();
        var duplicates = 0;
        foreach (var e in part.Events)
        {
            if (e.EventId is { } eventId)
            {
                var key = LogCodec.DeduplicationKey(e.UserId, eventId);
                if (await IsDuplicateAsync(key) || keys.Contains(key))
                {
                    duplicates++;
                    GrainsMetrics.RecordEventTypes([e.Interaction.Type], GrainsMetrics.Duplicate);
                    continue;
                }

                keys.Add(key);
            }

            fresh.Add(e);
        }

        if (fresh.Count == 0)
        {
            return new LogAppendResult(0, duplicates, -1);
        }

        var multiPart = part.PartCount > 1;
        foreach (var key in keys)
        {
            _dedup.Add(key, multiPart ? part.BatchId : null, _contiguous);
        }

        long sequence;
        var encoded = LogCodec.EncodeEvents(part, fresh);
        try
        {
            sequence = await AppendRecordAsync(encoded);
        }
        catch (Exception exception) when (exception is not LogUnavailableException)
        {
            keys.ForEach(_dedup.Release);
            LogAppendFailed(exception, _partition);
            throw new LogUnavailableException($"The interaction log could not make the events durable: {exception.Message}");
        }
        catch (LogUnavailableException)
        {
            keys.ForEach(_dedup.Release);
            throw;
        }

        var entry = new EventsEntry(sequence, time.GetUtcNow(), part.BatchId, part.PartCount, part.Partitions, [.. fresh]);
        _recent.Add(entry, encoded.Payload.Length);
        if (!multiPart)
        {
            GrainsMetrics.RecordEvents(fresh, GrainsMetrics.Accepted);
            await Publish(entry);
        }
        else
        {
            _undecided.Add(sequence);
            _pending[part.BatchId] = new PendingPart(entry, keys, time.GetUtcNow());
            Enqueue(entry, decided: false);
        }

        return new LogAppendResult(fresh.Count, duplicates, sequence);
    }

    public async Task Commit(Guid batchId)
    {
        if (!_pending.Remove(batchId, out var part))
        {
            return; // Every event of the part was a duplicate, or a timeout decided it already.
        }

        part.Keys.ForEach(_dedup.Confirm);
        part.Decided.TrySetResult();
        GrainsMetrics.RecordEvents(part.Entry.Events, GrainsMetrics.Accepted);
        AppendDecisionInBackground(batchId, committed: true);
        await Decide(part.Entry, visible: true);
    }

    public async Task Abort(Guid batchId)
    {
        if (!_pending.Remove(batchId, out var part))
        {
            return;
        }

        part.Keys.ForEach(_dedup.Release);
        part.Decided.TrySetResult();
        await Decide(part.Entry, visible: false);
        try
        {
            // Durable, so a recovery that finds every part (one failed late) still knows the batch failed.
            await AppendRecordAsync(LogCodec.EncodeDecision(batchId, committed: false));
        }
        catch (Exception exception)
        {
            LogDecisionFailed(exception, _partition, batchId);
        }
    }

    public async Task<long> Erase(string userId)
    {
        var contributions = await GrainFactory.GetGrain<IUserGrain>(userId).GetContributions();
        var hash = LogCodec.HashUser(userId);
        long sequence;
        try
        {
            sequence = await AppendRecordAsync(LogCodec.EncodeTombstone(userId, hash, contributions));
        }
        catch (Exception exception)
        {
            LogAppendFailed(exception, _partition);
            throw new LogUnavailableException($"The interaction log could not record the erasure: {exception.Message}");
        }

        _tombstones[hash] = sequence;
        await store.WriteMetadataAsync(_partition, TombstoneSet.Name, TombstoneSet.Serialize(_tombstones));
        await Publish(new TombstoneEntry(sequence, time.GetUtcNow(), userId, hash, contributions));
        return sequence;
    }

    public async Task<CatchUpResult> CatchUp(string userId, long position, Guid activation)
    {
        // A record whose batch is undecided is decided in milliseconds; waiting for it keeps the user's order simple.
        // The wait is bounded: its decision is another request to this partition, which the runtime holds back while
        // it deactivates the partition, and it deactivates only once this request ends.
        while (FirstUndecidedPart(userId) is { } undecided)
        {
            if (!await WithinWaitLimit([undecided.Decided.Task]))
            {
                throw new TimeoutException(
                    $"User '{userId}' has events in a batch that log partition {_partition} has not decided within {Settings.WaitLimit.TotalSeconds:F0} s; retry shortly.");
            }
        }

        // From this turn on, new records of the user go straight to this activation; older ones are read below.
        _active[userId] = activation;
        var sequences = _backlog.From(userId, position);
        if (sequences.Count == 0)
        {
            return new CatchUpResult([], GrainContext.Address.SiloAddress!);
        }

        var records = ImmutableArray.CreateBuilder<SequencedInteractions>(sequences.Count);
        foreach (var sequence in sequences)
        {
            if (!_recent.TryGet(sequence, out var entry))
            {
                await foreach (var record in store.ReadAsync(_partition, sequence, sequence + 1))
                {
                    entry = LogCodec.Decode(record);
                }
            }

            switch (entry)
            {
                case EventsEntry events:
                    records.Add(new SequencedInteractions(sequence, [.. events.Events.Where(e => e.UserId == userId).Select(e => e.Interaction)], Erase: false));
                    break;
                case TombstoneEntry:
                    records.Add(new SequencedInteractions(sequence, [], Erase: true));
                    break;
            }
        }

        return new CatchUpResult(records.ToImmutable(), GrainContext.Address.SiloAddress!);
    }

    public Task Deactivated(string userId, Guid activation)
    {
        if (_active.TryGetValue(userId, out var current) && current == activation)
        {
            _active.Remove(userId);
        }

        return Task.CompletedTask;
    }

    public Task Checkpointed(string? userId, long position)
    {
        if (userId is null)
        {
            _popularityDurable = Math.Max(_popularityDurable, position);
        }
        else
        {
            _backlog.Covered(userId, position, time.GetUtcNow());
        }

        return Task.CompletedTask;
    }

    public Task<LogPartitionStatus> GetStatus()
    {
        var counters = _log.Counters;
        return Task.FromResult(new LogPartitionStatus(
            _partition, _contiguous, ReplayFrom() - 1, _backlog.Count, _pending.Count, _dedup.Count, counters.Flushes, counters.Records, _tombstones.Count));
    }

    public Task<long> Compact() => CompactAsync();

    private PendingPart? FirstUndecidedPart(string userId) =>
        _pending.Values.Where(p => p.Entry.Events.Any(e => e.UserId == userId)).MinBy(p => p.Entry.Sequence);

    private async Task<bool> IsDuplicateAsync(UInt128 key)
    {
        // A retry that races an undecided first attempt waits for its decision: an aborted first attempt frees the id.
        while (_dedup.Contains(key, out var pendingBatch))
        {
            if (pendingBatch is not { } batch || !_pending.TryGetValue(batch, out var part))
            {
                return true;
            }

            if (!await WithinWaitLimit([part.Decided.Task]))
            {
                throw new LogUnavailableException(
                    $"An earlier attempt with the same event id is still undecided in log partition {_partition} after {Settings.WaitLimit.TotalSeconds:F0} s; retry shortly.");
            }
        }

        return false;
    }

    private async Task<long> AppendRecordAsync(LogAppend record)
    {
        long sequence;
        try
        {
            sequence = await _log.AppendAsync([record]);
        }
        catch (LogWriterFaultedException)
        {
            // The writer takes no more appends (it lost its lease, say): a fresh activation reopens and recovers the partition.
            DeactivateOnIdle();
            throw;
        }

        Appended(sequence, 1);
        return sequence;
    }

    private void AppendDecisionInBackground(Guid batchId, bool committed) =>
        _ = AppendRecordAsync(LogCodec.EncodeDecision(batchId, committed)).ContinueWith(
            t => LogDecisionFailed(t.Exception!, _partition, batchId),
            CancellationToken.None,
            TaskContinuationOptions.OnlyOnFaulted,
            TaskScheduler.Current);

    private sealed record PendingPart(EventsEntry Entry, List<UInt128> Keys, DateTimeOffset Since)
    {
        public TaskCompletionSource Decided { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Log partition {Partition}: an append failed; the request is answered 503 and nothing of it is visible.")]
    private partial void LogAppendFailed(Exception exception, int partition);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Log partition {Partition}: the decision record of batch {Batch} could not be written; recovery will decide it from the other partitions.")]
    private partial void LogDecisionFailed(Exception exception, int partition, Guid batch);
}
