using Microsoft.Extensions.DependencyInjection;
using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Catalog;
using RecoGrid.Grains.Common;
using RecoGrid.Storage.Log;

namespace RecoGrid.Grains.Popularity;

/// <summary>
/// Merges the popularity shards (one per log partition) into global and per-category rankings, at most once per
/// <see cref="PopularityOptions.MergeInterval"/>. Silos read it through <see cref="PopularityCache"/>,
/// once per refresh interval each, so it is never on the per-request path.
/// </summary>
public sealed class PopularityGrain(IOptions<PopularityOptions> options, IInteractionLogStore log, CatalogView catalog, [FromKeyedServices(RecoGridClock.Key)] TimeProvider time) : Grain, IPopularityGrain
{
    private PopularitySnapshot _snapshot = PopularitySnapshot.Empty;
    private DateTimeOffset _mergedAt = DateTimeOffset.MinValue;

    public async Task<PopularitySnapshot?> GetSnapshot(long knownVersion)
    {
        if (time.GetUtcNow() - _mergedAt >= options.Value.MergeInterval)
        {
            await Refresh();
        }

        return knownVersion == _snapshot.Version ? null : _snapshot;
    }

    public async Task<PopularitySnapshot> Refresh()
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        // The shards follow their partitions in the background; catching them up first makes the merge current.
        await Task.WhenAll(Enumerable.Range(0, log.Partitions).Select(p => GrainFactory.GetGrain<ILogPartitionGrain>(p).FlushPopularity()));
        var shards = await Task.WhenAll(Enumerable.Range(0, log.Partitions)
            .Select(shard => GrainFactory.GetGrain<IPopularityShardGrain>(shard).GetCounts()));

        var totals = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var shard in shards)
        {
            foreach (var count in shard)
            {
                totals[count.ItemId] = totals.GetValueOrDefault(count.ItemId) + count.Score * Decay.Factor(now - count.AsOf, settings.HalfLife);
            }
        }

        var view = await catalog.RefreshAsync();
        var ranked = totals
            .Where(pair => !view.TryGet(pair.Key, out var item) || item.Available)
            .OrderByDescending(pair => pair.Value)
            .ThenBy(pair => pair.Key, StringComparer.Ordinal)
            .Select(pair => new ScoredItem(pair.Key, pair.Value))
            .ToList();

        var byCategory = new Dictionary<string, ImmutableArray<ScoredItem>.Builder>(StringComparer.Ordinal);
        foreach (var scored in ranked)
        {
            if (!view.TryGet(scored.ItemId, out var item))
            {
                continue;
            }

            foreach (var category in item.Categories)
            {
                if (!byCategory.TryGetValue(category, out var list))
                {
                    byCategory[category] = list = ImmutableArray.CreateBuilder<ScoredItem>();
                }

                if (list.Count < settings.TopPerCategory)
                {
                    list.Add(scored);
                }
            }
        }

        _snapshot = new PopularitySnapshot(
            _snapshot.Version + 1,
            now,
            [.. ranked.Take(settings.TopGlobal)],
            byCategory.ToImmutableDictionary(pair => pair.Key, pair => pair.Value.ToImmutable(), StringComparer.Ordinal));
        _mergedAt = now;
        return _snapshot;
    }
}
