using Microsoft.Extensions.DependencyInjection;
using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;
using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Common;

namespace RecoGrid.Grains.Catalog;

/// <summary>An immutable copy of the whole catalogue, as one silo sees it.</summary>
public sealed class CatalogSnapshot(
    FrozenDictionary<string, ItemRecord> items,
    DateTimeOffset loadedAt,
    ConcurrentDictionary<string, ItemRecord>? recentWrites = null)
{
    /// <summary>A catalogue with no items.</summary>
    public static CatalogSnapshot Empty { get; } = new(FrozenDictionary<string, ItemRecord>.Empty, DateTimeOffset.MinValue);

    /// <summary>Items as loaded from the shards.</summary>
    public FrozenDictionary<string, ItemRecord> Items { get; } = items;

    public DateTimeOffset LoadedAt { get; } = loadedAt;

    /// <summary>Items written through this silo since the last refresh (not yet in <see cref="Items"/>, or newer there).</summary>
    public IEnumerable<ItemRecord> RecentWrites => recentWrites?.Values ?? Enumerable.Empty<ItemRecord>();

    /// <summary>Looks an item up, seeing writes made through this silo since the last refresh.</summary>
    public bool TryGet(string itemId, [MaybeNullWhen(false)] out ItemRecord item) =>
        (recentWrites is not null && recentWrites.TryGetValue(itemId, out item)) || Items.TryGetValue(itemId, out item);

    /// <summary>
    /// Whether an item may be recommended: not marked unavailable and, when a category is asked for, in it.
    /// Items never upserted (known only from events) count as available and uncategorized.
    /// </summary>
    public bool IsRecommendable(string itemId, string? category)
    {
        if (!TryGet(itemId, out var item))
        {
            return category is null;
        }

        return item.Available && (category is null || item.Categories.Contains(category, StringComparer.Ordinal));
    }
}

/// <summary>
/// A silo-local copy of the catalogue, refreshed from the shards when older than
/// <see cref="CatalogOptions.RefreshInterval"/>; only changed shards are transferred.
/// </summary>
public sealed class CatalogView(IGrainFactory grains, IOptions<CatalogOptions> options, [FromKeyedServices(RecoGridClock.Key)] TimeProvider time)
{
    private readonly Dictionary<int, CatalogShardSnapshot> _shards = [];
    private readonly ConcurrentDictionary<string, ItemRecord> _recentWrites = new(StringComparer.Ordinal);
    private readonly SingleFlight<CatalogSnapshot> _current = new(CatalogSnapshot.Empty);

    /// <summary>The last copy loaded, however old (for answering while the cluster cannot be reached).</summary>
    public CatalogSnapshot Latest => _current.Value;

    /// <summary>The latest copy, refreshed first if stale.</summary>
    public async ValueTask<CatalogSnapshot> GetAsync(CancellationToken cancellationToken = default)
    {
        var current = _current.Value;
        if (time.GetUtcNow() - current.LoadedAt < options.Value.RefreshInterval)
        {
            return current;
        }

        return await RefreshAsync(cancellationToken);
    }

    /// <summary>Reloads every changed shard now (only changed shards are transferred).</summary>
    public Task<CatalogSnapshot> RefreshAsync(CancellationToken cancellationToken = default) =>
        _current.RefreshAsync(async previous =>
        {
            var startedAt = time.GetUtcNow();
            var calls = Enumerable.Range(0, options.Value.Shards).Select(shard =>
                grains.GetGrain<ICatalogShardGrain>(shard).GetSnapshot(_shards.GetValueOrDefault(shard)?.Version ?? 0)).ToArray();
            var changed = false;
            foreach (var snapshot in await Task.WhenAll(calls))
            {
                if (snapshot is not null)
                {
                    _shards[snapshot.Shard] = snapshot;
                    changed = true;
                }
            }

            var items = changed
                ? _shards.Values.SelectMany(s => s.Items).ToFrozenDictionary(i => i.ItemId, StringComparer.Ordinal)
                : previous.Items;

            // Local writes older than this refresh are now in the shards' copies.
            foreach (var (id, written) in _recentWrites)
            {
                if (items.TryGetValue(id, out var loaded) && loaded.UpdatedAt >= written.UpdatedAt)
                {
                    _recentWrites.TryRemove(new KeyValuePair<string, ItemRecord>(id, written));
                }
            }

            return new CatalogSnapshot(items, startedAt, _recentWrites);
        }, cancellationToken);

    /// <summary>Puts items written through this silo into the local copy at once (other silos see them on refresh).</summary>
    public void Apply(ImmutableArray<ItemRecord> items)
    {
        foreach (var item in items)
        {
            _recentWrites[item.ItemId] = item;
        }
    }
}
