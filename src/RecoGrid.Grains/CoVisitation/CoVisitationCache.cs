using System.Collections.Concurrent;
using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Common;

namespace RecoGrid.Grains.CoVisitation;

/// <summary>Where a silo reads the co-visitation follower lists of items.</summary>
public interface IFollowerLists
{
    /// <summary>The follower list of each item, in the order given (empty for items never followed).</summary>
    ValueTask<ImmutableArray<ScoredItem>[]> GetAsync(IReadOnlyList<string> items);
}

/// <summary>
/// A silo-local copy of the follower lists that requests asked for, each reused for
/// <see cref="CoVisitationOptions.CacheInterval"/>; misses are fetched from their shards, one call per shard.
/// </summary>
public sealed class CoVisitationCache(IGrainFactory grains, IOptions<CoVisitationOptions> options, [FromKeyedServices(RecoGridClock.Key)] TimeProvider time)
    : IFollowerLists
{
    /// <summary>Lists kept before the cache starts over (a bound on memory; popular items come straight back).</summary>
    public const int Capacity = 100_000;

    private readonly ConcurrentDictionary<string, (DateTimeOffset FetchedAt, ImmutableArray<ScoredItem> Followers)> _lists = new(StringComparer.Ordinal);

    public async ValueTask<ImmutableArray<ScoredItem>[]> GetAsync(IReadOnlyList<string> items)
    {
        var now = time.GetUtcNow();
        var ttl = options.Value.CacheInterval;
        var result = new ImmutableArray<ScoredItem>[items.Count];
        var missing = new Dictionary<int, List<int>>();
        for (var i = 0; i < items.Count; i++)
        {
            if (_lists.TryGetValue(items[i], out var cached) && now - cached.FetchedAt < ttl)
            {
                result[i] = cached.Followers;
                continue;
            }

            var shard = ShardHash.Shard(items[i], options.Value.Shards);
            if (!missing.TryGetValue(shard, out var positions))
            {
                missing[shard] = positions = [];
            }

            positions.Add(i);
        }

        if (missing.Count == 0)
        {
            return result;
        }

        if (_lists.Count > Capacity)
        {
            _lists.Clear();
        }

        var calls = missing.Select(async entry =>
        {
            var lists = await grains.GetGrain<ICoVisitationShardGrain>(entry.Key).Followers([.. entry.Value.Select(i => items[i])]);
            for (var k = 0; k < lists.Length; k++)
            {
                result[entry.Value[k]] = lists[k].Followers;
                _lists[lists[k].ItemId] = (now, lists[k].Followers);
            }
        });
        await Task.WhenAll(calls);
        return result;
    }
}
