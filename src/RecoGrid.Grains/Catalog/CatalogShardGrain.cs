using Orleans.Concurrency;
using System.Collections.Immutable;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Common;

namespace RecoGrid.Grains.Catalog;

/// <summary>Persisted items of one catalogue shard.</summary>
[GenerateSerializer, Alias("recogrid.catalog-shard-state.v1")]
public sealed class CatalogShardState
{
    [Id(0)] public Dictionary<string, ItemRecord> Items { get; set; } = new(StringComparer.Ordinal);

    [Id(1)] public long Version { get; set; }
}

/// <summary>Owns the items whose id hashes to this shard.</summary>
[Reentrant]
public sealed class CatalogShardGrain(
    [PersistentState("catalog", StorageNames.Catalog)] IPersistentState<CatalogShardState> state) : Grain, ICatalogShardGrain
{
    private CoalescingWriter? _writer;

    private CoalescingWriter Writer => _writer ??= new CoalescingWriter(() => state.WriteStateAsync(), DeactivateOnIdle);

    public async Task Upsert(ImmutableArray<ItemRecord> items)
    {
        foreach (var item in items)
        {
            state.State.Items[item.ItemId] = item;
        }

        state.State.Version++;
        await Writer.WriteAsync();
    }

    public Task<ItemRecord?> Get(string itemId) =>
        Task.FromResult(state.State.Items.GetValueOrDefault(itemId));

    public Task<CatalogShardSnapshot?> GetSnapshot(long knownVersion) =>
        Task.FromResult(knownVersion == state.State.Version && knownVersion != 0
            ? null
            : new CatalogShardSnapshot((int)this.GetPrimaryKeyLong(), state.State.Version, [.. state.State.Items.Values]));
}
