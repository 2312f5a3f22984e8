using System.Collections.Immutable;

namespace RecoGrid.Abstractions;

/// <summary>
/// One user's interaction state and factor vector: a projection of the user's records in the interaction log, applied
/// in log order by the user's partition and checkpointed lazily. Key: the user id.
/// </summary>
[Alias("recogrid.IUserGrain")]
public interface IUserGrain : IGrainWithStringKey
{
    /// <summary>Applies one log record of this user (in sequence order; records already applied are ignored).</summary>
    [Alias("Apply")]
    Task Apply(SequencedInteractions record);

    /// <summary>
    /// The partition activation this grain subscribed to is closing (the runtime deactivates it): catch up with its
    /// successor, which also subscribes this activation, so records appended from now on reach it.
    /// </summary>
    [Alias("Resubscribe"), Orleans.Concurrency.OneWay]
    Task Resubscribe();

    /// <summary>Makes the state durable now and tells the partition how far it reaches.</summary>
    [Alias("Checkpoint")]
    Task Checkpoint();

    /// <summary>What the user's recent events added to popularity (subtracted again when the user is erased).</summary>
    [Alias("GetContributions")]
    Task<ImmutableArray<PopularityHit>> GetContributions();

    [Alias("GetSummary")]
    Task<UserSummary> GetSummary();

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

/// <summary>A shard of the decayed popularity counters: the projection of one log partition. Key: partition number.</summary>
[Alias("recogrid.IPopularityShardGrain")]
public interface IPopularityShardGrain : IGrainWithIntegerKey
{
    /// <summary>
    /// Applies the hits of the shard's log partition from the last update up to <see cref="PopularityUpdate.Through"/>
    /// (exclusive), in order; an update that does not reach past what is applied already is ignored.
    /// </summary>
    [Alias("Apply")]
    Task Apply(PopularityUpdate update);

    /// <summary>The first log sequence not yet applied.</summary>
    [Alias("GetPosition")]
    Task<long> GetPosition();

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
