using System.Collections.Immutable;

namespace RecoGrid.Abstractions;

/// <summary>A weighted interaction with an item, as a popularity counter sees it.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.popularity-hit.v1")]
public sealed record PopularityHit(
    [property: Id(0)] string ItemId,
    [property: Id(1)] float Weight,
    [property: Id(2)] DateTimeOffset Timestamp);

/// <summary>A decayed count: <see cref="Score"/> as of <see cref="AsOf"/>.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.decayed-count.v1")]
public sealed record DecayedCount(
    [property: Id(0)] string ItemId,
    [property: Id(1)] double Score,
    [property: Id(2)] DateTimeOffset AsOf);

/// <summary>The merged popularity ranking: global and per category, newest first by score.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.popularity-snapshot.v1")]
public sealed record PopularitySnapshot(
    [property: Id(0)] long Version,
    [property: Id(1)] DateTimeOffset AsOf,
    [property: Id(2)] ImmutableArray<ScoredItem> Global,
    [property: Id(3)] ImmutableDictionary<string, ImmutableArray<ScoredItem>> ByCategory)
{
    /// <summary>A snapshot with nothing in it.</summary>
    public static PopularitySnapshot Empty { get; } =
        new(0, DateTimeOffset.MinValue, [], ImmutableDictionary<string, ImmutableArray<ScoredItem>>.Empty);
}

/// <summary>Popularity changes of a range of log records: hits to add, erased users' contributions to subtract.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.popularity-update.v1")]
public sealed record PopularityUpdate(
    [property: Id(0)] ImmutableArray<PopularityHit> Add,
    [property: Id(1)] ImmutableArray<PopularityHit> Subtract,
    [property: Id(2)] long Through);
