using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Telemetry;
using RecoGrid.Storage.Log;

namespace RecoGrid.Server.Ingestion;

/// <summary>What ingesting a batch did.</summary>
public sealed record IngestResult(int Accepted, int Duplicates);

/// <summary>
/// Writes a batch of validated events to the interaction log, all or nothing: the batch is split by log partition (a
/// stable hash of the user id), every part is appended durably, and only then are the parts committed (made visible).
/// If any part fails, the others are aborted and <see cref="LogUnavailableException"/> tells the caller to retry later.
/// </summary>
public sealed partial class EventIngestion(IGrainFactory grains, IInteractionLogStore log, ILogger<EventIngestion> logger)
{
    /// <summary>The log partition that owns <paramref name="userId"/>'s records.</summary>
    public int PartitionOf(string userId) => ShardHash.Shard(userId, log.Partitions);

    public async Task<IngestResult> IngestAsync(IReadOnlyList<LoggedEvent> events)
    {
        var parts = events.GroupBy(e => PartitionOf(e.UserId)).OrderBy(g => g.Key).ToList();
        var batchId = Guid.NewGuid();
        ImmutableArray<int> partitions = [.. parts.Select(p => p.Key)];
        var appends = parts.Select(p => grains.GetGrain<ILogPartitionGrain>(p.Key).Append(new LogBatchPart(batchId, parts.Count, partitions, [.. p]))).ToArray();
        try
        {
            await Task.WhenAll(appends);
        }
        catch (Exception exception)
        {
            GrainsMetrics.RecordEvents(events, GrainsMetrics.Failed);
            if (parts.Count > 1)
            {
                await AbortAsync(batchId, partitions);
            }

            throw exception as LogUnavailableException ?? new LogUnavailableException($"The interaction log is unavailable: {exception.Message}", exception);
        }

        if (parts.Count > 1)
        {
            try
            {
                await Task.WhenAll(partitions.Select(p => grains.GetGrain<ILogPartitionGrain>(p).Commit(batchId)));
            }
            catch (Exception exception)
            {
                // Every part is durable, so the batch is acknowledged: a partition that missed the commit decides it
                // from the others after Log:PendingTimeout, and its users see the events then.
                LogCommitFailed(exception, batchId);
            }
        }

        return new IngestResult(appends.Sum(a => a.Result.Accepted), appends.Sum(a => a.Result.Duplicates));
    }

    /// <summary>Erases a user: a durable tombstone in the log, then the user's state and popularity contributions.</summary>
    public async Task EraseAsync(string userId)
    {
        try
        {
            await grains.GetGrain<ILogPartitionGrain>(PartitionOf(userId)).Erase(userId);
        }
        catch (Exception exception) when (exception is not LogUnavailableException)
        {
            throw new LogUnavailableException($"The interaction log is unavailable: {exception.Message}", exception);
        }
    }

    private async Task AbortAsync(Guid batchId, ImmutableArray<int> partitions)
    {
        foreach (var partition in partitions)
        {
            try
            {
                await grains.GetGrain<ILogPartitionGrain>(partition).Abort(batchId);
            }
            catch (Exception exception)
            {
                // An undecided part is decided from the other partitions later; the failed one has no part, so it aborts.
                LogAbortFailed(exception, batchId, partition);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch {Batch}: every part is durable but a commit failed; the partition decides it later.")]
    private partial void LogCommitFailed(Exception exception, Guid batch);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch {Batch}: aborting its part in partition {Partition} failed; that partition decides it later.")]
    private partial void LogAbortFailed(Exception exception, Guid batch, int partition);
}
