using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Common;

namespace RecoGrid.Grains.Popularity;

/// <summary>Persisted counters of one popularity shard, and how far into its log partition they reach.</summary>
[GenerateSerializer, Alias("recogrid.popularity-shard-state.v1")]
public sealed class PopularityShardState
{
    [Id(0)] public Dictionary<string, DecayedCount> Counts { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The first sequence of the partition not yet counted.</summary>
    [Id(1)] public long LogPosition { get; set; }
}

/// <summary>
/// Decayed counts of the events of one log partition, fed in sequence order by the partition, so they are a projection
/// of the log: whatever a crash loses is counted again from the log. Shards are merged by <see cref="PopularityGrain"/>,
/// so no single grain sees every event.
/// </summary>
[Reentrant]
public sealed class PopularityShardGrain(
    [PersistentState("popularity", StorageNames.Popularity)] IPersistentState<PopularityShardState> state,
    IOptions<PopularityOptions> options) : Grain, IPopularityShardGrain
{
    private CoalescingWriter? _writer;
    private bool _dirty;

    private CoalescingWriter Writer => _writer ??= new CoalescingWriter(() => state.WriteStateAsync(), DeactivateOnIdle);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var period = options.Value.PersistInterval;
        if (period > TimeSpan.Zero)
        {
            this.RegisterGrainTimer(PersistIfDirty, new GrainTimerCreationOptions { DueTime = period, Period = period, Interleave = true, KeepAlive = false });
        }

        return Task.CompletedTask;
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken) => PersistIfDirty();

    /// <summary>With <see cref="PopularityOptions.PersistInterval"/> zero, counts are persisted before the call returns; otherwise every interval.</summary>
    public async Task Apply(PopularityUpdate update)
    {
        if (update.Through <= state.State.LogPosition)
        {
            return; // A range this shard has counted already (a resent update, or a replay after the partition restarted).
        }

        Apply(update.Add, sign: 1);
        Apply(update.Subtract, sign: -1);
        state.State.LogPosition = update.Through;
        _dirty = true;
        if (options.Value.PersistInterval == TimeSpan.Zero)
        {
            await Persist();
        }
    }

    public Task<long> GetPosition() => Task.FromResult(state.State.LogPosition);

    public Task<ImmutableArray<DecayedCount>> GetCounts() =>
        Task.FromResult(state.State.Counts.Values.ToImmutableArray());

    private Task PersistIfDirty() => _dirty ? Persist() : Task.CompletedTask;

    // Concurrent callers share one write (see CoalescingWriter); a failed write reloads the shard from storage.
    private async Task Persist()
    {
        _dirty = false;
        var position = state.State.LogPosition;
        await Writer.WriteAsync();
        GrainFactory.GetGrain<ILogPartitionGrain>(this.GetPrimaryKeyLong()).Checkpointed(null, position).Ignore();
    }

    private void Apply(ImmutableArray<PopularityHit> hits, int sign)
    {
        var halfLife = options.Value.HalfLife;
        var counts = state.State.Counts;
        foreach (var hit in hits)
        {
            var current = counts.GetValueOrDefault(hit.ItemId);
            var (score, asOf) = current is null
                ? (sign * (double)hit.Weight, hit.Timestamp)
                : Decay.Add(current.Score, current.AsOf, sign * (double)hit.Weight, hit.Timestamp, halfLife);
            if (score <= 1e-9)
            {
                counts.Remove(hit.ItemId);
            }
            else
            {
                counts[hit.ItemId] = new DecayedCount(hit.ItemId, score, asOf);
            }
        }
    }
}
