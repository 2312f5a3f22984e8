using System.Collections.Immutable;

namespace RecoGrid.Abstractions;

/// <summary>One user moving from item <see cref="From"/> to item <see cref="To"/> at <see cref="At"/>, weighted by closeness.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.co-visit.v1")]
public sealed record CoVisit(
    [property: Id(0)] string From,
    [property: Id(1)] string To,
    [property: Id(2)] float Weight,
    [property: Id(3)] DateTimeOffset At);

/// <summary>The items that most often followed <see cref="ItemId"/>, best first, with decayed counts.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.follower-list.v1")]
public sealed record FollowerList(
    [property: Id(0)] string ItemId,
    [property: Id(1)] ImmutableArray<ScoredItem> Followers);

/// <summary>
/// Decayed co-visitation counts of the source items that hash to one shard: which items users went to next.
/// Derived, short-horizon data held in memory (a restart starts the counts afresh). Key: shard number.
/// </summary>
[Alias("recogrid.ICoVisitationShardGrain")]
public interface ICoVisitationShardGrain : IGrainWithIntegerKey
{
    /// <summary>Adds co-visits whose <see cref="CoVisit.From"/> belongs to this shard.</summary>
    [Alias("Record")]
    Task Record(ImmutableArray<CoVisit> visits);

    /// <summary>The top followers of each of <paramref name="items"/> (items never followed get an empty list).</summary>
    [Alias("Followers")]
    Task<ImmutableArray<FollowerList>> Followers(ImmutableArray<string> items);
}
