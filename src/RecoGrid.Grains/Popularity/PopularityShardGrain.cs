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

    private CoalescingWriter Writer => _writer ??= new CoalescingWriter(() => state.WriteStateAsync());

    /// <summary>Counts are persisted before the call returns, so an acknowledged event's popularity survives a crash.</summary>
    public async Task Record(ImmutableArray<PopularityHit> hits)
    {
        Apply(hits, sign: 1);
        await Persist();
    }

    /// <summary>Erasure is persisted before it is acknowledged.</summary>
    public async Task Subtract(ImmutableArray<PopularityHit> hits)
    {
        Apply(hits, sign: -1);
        await Persist();
    }

    public Task<ImmutableArray<DecayedCount>> GetCounts() =>
        Task.FromResult(state.State.Counts.Values.ToImmutableArray());

    // Concurrent callers share one write (see CoalescingWriter); a failed write reloads the shard from storage.
    private async Task Persist()
    {
        try
        {
            await Writer.WriteAsync();
        }
        catch
        {
            DeactivateOnIdle();
            throw;
        }
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
