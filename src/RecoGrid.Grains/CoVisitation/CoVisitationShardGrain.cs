using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Common;
using RecoGrid.Grains.Popularity;

namespace RecoGrid.Grains.CoVisitation;

/// <summary>
/// Decayed "followed by" counts of the source items of one shard. Bounded: each source keeps its best
/// <see cref="CoVisitationOptions.MaxFollowers"/> followers (pruned from twice that), and a shard its
/// <see cref="CoVisitationOptions.MaxSourcesPerShard"/> most recently followed sources.
/// </summary>
[Reentrant]
public sealed class CoVisitationShardGrain(IOptions<CoVisitationOptions> options, [FromKeyedServices(RecoGridClock.Key)] TimeProvider time)
    : Grain, ICoVisitationShardGrain
{
    private readonly Dictionary<string, Source> _sources = new(StringComparer.Ordinal);

    public Task Record(ImmutableArray<CoVisit> visits)
    {
        var settings = options.Value;
        foreach (var visit in visits)
        {
            if (!_sources.TryGetValue(visit.From, out var source))
            {
                _sources[visit.From] = source = new Source();
            }

            var (score, asOf) = source.Followers.TryGetValue(visit.To, out var count) ? count : (0d, visit.At);
            source.Followers[visit.To] = Decay.Add(score, asOf, visit.Weight, visit.At, settings.HalfLife);
            source.LastUpdate = visit.At > source.LastUpdate ? visit.At : source.LastUpdate;
            if (source.Followers.Count > 2 * settings.MaxFollowers)
            {
                source.Prune(settings.MaxFollowers, time.GetUtcNow(), settings.HalfLife);
            }
        }

        if (_sources.Count > settings.MaxSourcesPerShard)
        {
            var keep = settings.MaxSourcesPerShard * 9 / 10;
            foreach (var stale in _sources.OrderBy(s => s.Value.LastUpdate).Take(_sources.Count - keep).Select(s => s.Key).ToList())
            {
                _sources.Remove(stale);
            }
        }

        return Task.CompletedTask;
    }

    public Task<ImmutableArray<FollowerList>> Followers(ImmutableArray<string> items)
    {
        var settings = options.Value;
        var now = time.GetUtcNow();
        var lists = ImmutableArray.CreateBuilder<FollowerList>(items.Length);
        foreach (var item in items)
        {
            lists.Add(new FollowerList(item, _sources.TryGetValue(item, out var source) ? source.Top(settings.MaxFollowers, now, settings.HalfLife) : []));
        }

        return Task.FromResult(lists.MoveToImmutable());
    }

    private sealed class Source
    {
        public Dictionary<string, (double Score, DateTimeOffset AsOf)> Followers { get; } = new(StringComparer.Ordinal);

        public DateTimeOffset LastUpdate { get; set; } = DateTimeOffset.MinValue;

        public ImmutableArray<ScoredItem> Top(int count, DateTimeOffset now, TimeSpan halfLife) =>
        [
            .. Followers
                .Select(f => new ScoredItem(f.Key, f.Value.Score * Decay.Factor(now - f.Value.AsOf, halfLife)))
                .OrderByDescending(f => f.Score)
                .ThenBy(f => f.ItemId, StringComparer.Ordinal)
                .Take(count),
        ];

        public void Prune(int keep, DateTimeOffset now, TimeSpan halfLife)
        {
            var kept = Top(keep, now, halfLife).Select(f => f.ItemId).ToHashSet(StringComparer.Ordinal);
            foreach (var item in Followers.Keys.Where(k => !kept.Contains(k)).ToList())
            {
                Followers.Remove(item);
            }
        }
    }
}
