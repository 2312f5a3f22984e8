using System.Collections.Immutable;

namespace RecoGrid.Abstractions;

/// <summary>One user's interaction state and factor vector. Key: the user id.</summary>
[Alias("recogrid.IUserGrain")]
public interface IUserGrain : IGrainWithStringKey
{
    /// <summary>Appends interactions; completes only once they are durable.</summary>
    [Alias("AddInteractions")]
    Task<AcceptedEvents> AddInteractions(ImmutableArray<Interaction> interactions);

    [Alias("GetSummary")]
    Task<UserSummary> GetSummary();

    /// <summary>Erases the user's state and events.</summary>
    [Alias("Erase")]
    Task Erase();

    [Alias("Recommend")]
    Task<RecommendationResult> Recommend(RecommendationRequest request);
}

/// <summary>A shard of the item catalogue. Key: shard number.</summary>
[Alias("recogrid.ICatalogShardGrain")]
public interface ICatalogShardGrain : IGrainWithIntegerKey
{
    [Alias("Upsert")]
    Task Upsert(ImmutableArray<ItemRecord> items);

    [Alias("Get")]
    Task<ItemRecord?> Get(string itemId);

    /// <summary>The shard's items, or null when <paramref name="knownVersion"/> is still current.</summary>
    [Alias("GetSnapshot")]
    Task<CatalogShardSnapshot?> GetSnapshot(long knownVersion);
}

/// <summary>A shard of the decayed popularity counters. Key: shard number.</summary>
[Alias("recogrid.IPopularityShardGrain")]
public interface IPopularityShardGrain : IGrainWithIntegerKey
{
    [Alias("Record")]
    Task Record(ImmutableArray<PopularityHit> hits);

    /// <summary>Removes a user's contribution (erasure).</summary>
    [Alias("Subtract")]
    Task Subtract(ImmutableArray<PopularityHit> hits);

    [Alias("GetCounts")]
    Task<ImmutableArray<DecayedCount>> GetCounts();
}

/// <summary>Merges the popularity shards periodically and serves the merged ranking. Key: 0.</summary>
[Alias("recogrid.IPopularityGrain")]
public interface IPopularityGrain : IGrainWithIntegerKey
{
    /// <summary>The merged ranking, or null when <paramref name="knownVersion"/> is still current.</summary>
    [Alias("GetSnapshot")]
    Task<PopularitySnapshot?> GetSnapshot(long knownVersion);

    /// <summary>Merges the shards now (used at start-up, by tests and by operators).</summary>
    [Alias("Refresh")]
    Task<PopularitySnapshot> Refresh();
}
