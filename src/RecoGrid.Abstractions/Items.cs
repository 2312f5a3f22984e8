using System.Collections.Immutable;

namespace RecoGrid.Abstractions;

/// <summary>Catalogue metadata of one item.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.item.v1")]
public sealed record ItemRecord(
    [property: Id(0)] string ItemId,
    [property: Id(1)] ImmutableArray<string> Categories,
    [property: Id(2)] bool Available,
    [property: Id(3)] ImmutableDictionary<string, string> Properties,
    [property: Id(4)] DateTimeOffset UpdatedAt);

/// <summary>All items of one catalogue shard, with a version that grows on every change.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.catalog-shard-snapshot.v1")]
public sealed record CatalogShardSnapshot(
    [property: Id(0)] int Shard,
    [property: Id(1)] long Version,
    [property: Id(2)] ImmutableArray<ItemRecord> Items);
