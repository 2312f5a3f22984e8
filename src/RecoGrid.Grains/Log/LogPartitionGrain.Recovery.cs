using Microsoft.Extensions.Logging;
using RecoGrid.Abstractions;
using RecoGrid.Storage.Log;

namespace RecoGrid.Grains.Log;

/// <summary>
/// Activation: open the partition (the store cuts a torn tail), then read from the recovery point to the end so that
/// undecided batches are decided, recent event ids are known again, every user whose durable state lags is listed for
/// catch-up, and the popularity shard receives what it lacks. A timer then keeps the recovery point moving.
/// </summary>
public sealed partial class LogPartitionGrain
{
    private DateTimeOffset _lastCompaction;
    private PartitionPositions _persisted = new(0, 0);

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        _partition = (int)this.GetPrimaryKeyLong();
        _dedup = new DeduplicationWindow(Settings.DeduplicationWindow);
        _recent = new RecentEntries(Settings.RecentRecordBytes);
        // A predecessor on this node that the runtime stopped waiting for may still be closing its writer.
        await handover.WaitForPredecessorAsync(_partition, Settings.WaitLimit * 2, time);
        var writer = await store.OpenWriterAsync(_partition, cancellationToken);
        _log = new LogGroupCommitter(writer, new LogGroupCommitOptions { MaxDelay = Settings.GroupCommitDelay });
        try
        {
            _contiguous = writer.NextSequence;
            _persisted = PartitionPositions.Parse(await store.ReadMetadataAsync(_partition, PartitionPositions.Name, cancellationToken));
            _tombstones = TombstoneSet.Parse(await store.ReadMetadataAsync(_partition, TombstoneSet.Name, cancellationToken));
            _popularityDurable = _persisted.ReplayFrom;
            _popularitySent = Math.Min(await GrainFactory.GetGrain<IPopularityShardGrain>(_partition).GetPosition(), _contiguous);
            _lastCompaction = time.GetUtcNow();

            var started = time.GetTimestamp();
            var (records, decided) = await RecoverAsync(cancellationToken);
            LogRecovered(_partition, records, decided, _backlog.Count, _contiguous, time.GetElapsedTime(started).TotalMilliseconds);
        }
        catch
        {
            // A failed activation gets no OnDeactivateAsync: without this the writer (and its lease, renewed for ever)
            // would stay open, and every later activation of the partition would find it locked.
            await _log.DisposeAsync();
            throw;
        }

        var period = Settings.ProjectionInterval;
        this.RegisterGrainTimer(OnTickAsync, new GrainTimerCreationOptions { DueTime = period, Period = period, Interleave = true, KeepAlive = true });
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        _closing = true;
        LogDeactivating(_partition, reason.ReasonCode, reason.Description);

        // The writer is closed first and on the thread pool: the runtime stops waiting for this method after its
        // deactivation timeout and may never run the rest of it, and a writer left open renews the partition's lease for
        // ever, so no later activation on any node could open the partition. Positions computed now are at or below the
        // true ones, so persisting them after the close is safe (recovery reads a little more).
        var closing = time.GetTimestamp();
        var closed = Task.Run(async () =>
        {
            await _log.DisposeAsync();
            LogWriterClosed(_partition, time.GetElapsedTime(closing).TotalMilliseconds);
        });
        handover.Closing(_partition, closed);

        // The successor does not know which users are active; each active one subscribes to it again (and reads what
        // this activation did not hand it). Not at shutdown: the node's user grains are going away too.
        if (reason.ReasonCode != DeactivationReasonCode.ShuttingDown)
        {
            foreach (var userId in _active.Keys)
            {
                GrainFactory.GetGrain<IUserGrain>(userId).Resubscribe().Ignore();
            }
        }

        try
        {
            await PersistPositionsAsync(cancellationToken);
        }
        finally
        {
            await closed;
        }
    }

    private async Task<(long Records, int Decided)> RecoverAsync(CancellationToken cancellationToken)
    {
        var start = Math.Min(Math.Min(_persisted.ReplayFrom, _persisted.DeduplicationFrom), _popularitySent);

        // Pass 1: decisions, undecided parts and erasures (small), so pass 2 knows what is visible.
        var decisions = new Dictionary<Guid, bool>();
        var undecided = new List<EventsEntry>();
        await foreach (var record in store.ReadAsync(_partition, start, _contiguous, cancellationToken))
        {
            switch (LogCodec.Decode(record))
            {
                case DecisionEntry decision:
                    decisions[decision.BatchId] = decision.Committed;
                    break;
                case EventsEntry { IsMultiPart: true } part:
                    undecided.Add(part);
                    break;
                case TombstoneEntry tombstone:
                    _tombstones.TryAdd(tombstone.UserHash, tombstone.Sequence);
                    break;
            }
        }

        var open = undecided.Where(p => !decisions.ContainsKey(p.BatchId)).ToList();
        var resolved = 0;
        var found = open.Count == 0 ? [] : await BatchResolver.DecideAsync(store, _partition, open, cancellationToken);
        foreach (var part in open)
        {
            var committed = found[part.BatchId];
            decisions[part.BatchId] = committed;
            resolved++;
            try
            {
                await AppendRecordAsync(LogCodec.EncodeDecision(part.BatchId, committed));
            }
            catch (Exception exception)
            {
                LogDecisionFailed(exception, _partition, part.BatchId);
            }
        }

        // Pass 2: rebuild what is derived from visible records.
        long count = 0;
        await foreach (var record in store.ReadAsync(_partition, start, _contiguous, cancellationToken))
        {
            count++;
            var entry = LogCodec.Decode(record);
            if (entry is EventsEntry events && (!events.IsMultiPart || decisions.GetValueOrDefault(events.BatchId)))
            {
                if (record.Sequence >= _persisted.ReplayFrom)
                {
                    // Kept decoded (within the recent-records budget): the users listed for catch-up read it from memory,
                    // not with a storage read per record, when they activate or subscribe again after this recovery.
                    _recent.Add(events, record.Payload.Length);
                }

                foreach (var e in events.Events)
                {
                    if (e.EventId is { } id && record.Sequence >= _persisted.DeduplicationFrom)
                    {
                        _dedup.Add(LogCodec.DeduplicationKey(e.UserId, id), null, record.Sequence);
                    }

                    if (record.Sequence >= _persisted.ReplayFrom && !ErasedAfter(e.UserId, record.Sequence))
                    {
                        _backlog.Add(e.UserId, record.Sequence, record.AppendedAt);
                    }
                }
            }
            else if (entry is TombstoneEntry { UserId: { } erased } tombstoneEntry && record.Sequence >= _persisted.ReplayFrom)
            {
                _recent.Add(tombstoneEntry, record.Payload.Length);
                _backlog.Clear(erased);
                _backlog.Add(erased, record.Sequence, record.AppendedAt);
            }

            if (entry is not null && record.Sequence >= _popularitySent && entry is not DecisionEntry)
            {
                var visible = entry is not EventsEntry ev || !ev.IsMultiPart || decisions.GetValueOrDefault(ev.BatchId);
                if (visible)
                {
                    AddPopularity(entry);
                }
            }
        }

        await FlushPopularity();
        return (count, resolved);
    }

    private async Task OnTickAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var expired = _pending.Where(p => now - p.Value.Since > Settings.PendingTimeout).OrderBy(p => p.Value.Entry.Sequence).ToList();

        // Their senders are gone: a batch is visible exactly when every part reached its partition (one read of the
        // other partitions for all of them).
        var found = expired.Count == 0 ? [] : await BatchResolver.DecideAsync(store, _partition, [.. expired.Select(p => p.Value.Entry)], cancellationToken);
        var deciding = time.GetTimestamp();
        foreach (var (batchId, _) in expired)
        {
            // Each decision waits (at most the wait limit) for its users; past the limit the rest are decided at the
            // next tick, so a tick after a node's death (many batches left open at once) does not hold a deactivation
            // for long. The oldest is always decided, so every tick makes progress.
            if (batchId != expired[0].Key && time.GetElapsedTime(deciding) > Settings.WaitLimit)
            {
                break;
            }

            var committed = found[batchId];
            LogPendingDecided(_partition, batchId, committed);
            await (committed ? Commit(batchId) : Abort(batchId));
        }

        var stale = _backlog.Stale(now - Settings.CheckpointAge, Settings.MaxUsersBehind, Settings.CheckpointRequestsPerInterval);
        await WithinWaitLimit(stale.Select(async userId =>
        {
            try
            {
                await GrainFactory.GetGrain<IUserGrain>(userId).Checkpoint();
            }
            catch (Exception exception)
            {
                LogCheckpointRequestFailed(exception, _partition);
            }
        }));

        KickPopularity();
        await PersistPositionsAsync(cancellationToken);
        if (now - _lastCompaction >= Settings.CompactionInterval)
        {
            _lastCompaction = now;
            await CompactAsync();
        }
    }

    /// <summary>The first sequence recovery must read: every visible record before it is in a durable projection.</summary>
    private long ReplayFrom() => Math.Min(Math.Min(_backlog.Lowest() ?? long.MaxValue, DecidedThrough()), _popularityDurable);

    private async Task PersistPositionsAsync(CancellationToken cancellationToken)
    {
        var next = new PartitionPositions(ReplayFrom(), _dedup.OldestSequence ?? _contiguous);
        if (next == _persisted)
        {
            return;
        }

        // Projections are written without a flush of their own; one barrier makes them durable before the point moves.
        await durability.FlushAsync(cancellationToken);
        await store.WriteMetadataAsync(_partition, PartitionPositions.Name, next.Serialize(), cancellationToken);
        _persisted = next;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Log partition {Partition} recovered: read {Records} records, decided {Decided} open batches, {Users} users to catch up, next sequence {Next}, {Milliseconds:F0} ms.")]
    private partial void LogRecovered(int partition, long records, int decided, int users, long next, double milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Log partition {Partition}: the writer of the deactivated activation closed after {Milliseconds:F0} ms.")]
    private partial void LogWriterClosed(int partition, double milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Log partition {Partition} deactivating ({Reason}: {Description}); its writer closes and its lease is released.")]
    private partial void LogDeactivating(int partition, DeactivationReasonCode reason, string description);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Log partition {Partition}: batch {Batch} was left undecided by its sender and is now decided (committed: {Committed}).")]
    private partial void LogPendingDecided(int partition, Guid batch, bool committed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Log partition {Partition}: a checkpoint request failed; it is asked again.")]
    private partial void LogCheckpointRequestFailed(Exception exception, int partition);
}
