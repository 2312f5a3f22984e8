using Orleans.Concurrency;
using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Common;

namespace RecoGrid.Grains.Popularity;

/// <summary>Persisted counters of one popularity shard.</summary>
[GenerateSerializer, Alias("recogrid.popularity-shard-state.v1")]
public sealed class PopularityShardState
{
    [Id(0)] public Dictionary<string, DecayedCount> Counts { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// Decayed counts of the events of the users that hash to this shard. Shards are merged by
/// <see cref="PopularityGrain"/>, so no single grain sees every event.
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

    /// <summary>
    /// With <see cref="PopularityOptions.PersistInterval"/> zero, counts are persisted before the call returns;
    /// otherwise every interval (a shard's state is all its items' counts, so writing it per event is costly).
    /// </summary>
    public async Task Record(ImmutableArray<PopularityHit> hits)
    {
        Apply(hits, sign: 1);
        _dirty = true;
        if (options.Value.PersistInterval == TimeSpan.Zero)
        {
            await Persist();
        }
    }

    /// <summary>Erasure is persisted before it is acknowledged.</summary>
    public async Task Subtract(ImmutableArray<PopularityHit> hits)
    {
        Apply(hits, sign: -1);
        await Persist();
    }

    public Task<ImmutableArray<DecayedCount>> GetCounts() =>
        Task.FromResult(state.State.Counts.Values.ToImmutableArray());

    private Task PersistIfDirty() => _dirty ? Persist() : Task.CompletedTask;

    // Concurrent callers share one write (see CoalescingWriter); a failed write reloads the shard from storage.
    private Task Persist()
    {
        _dirty = false;
        return Writer.WriteAsync();
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
