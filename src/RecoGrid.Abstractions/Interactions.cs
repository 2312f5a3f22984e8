using System.Collections.Immutable;

namespace RecoGrid.Abstractions;

/// <summary>One user-item interaction after validation: the event type is known and its weight resolved.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.interaction.v1")]
public sealed record Interaction(
    [property: Id(0)] string ItemId,
    [property: Id(1)] string Type,
    [property: Id(2)] float Weight,
    [property: Id(3)] float? Value,
    [property: Id(4)] DateTimeOffset Timestamp);

/// <summary>A summary of one user's state, as the HTTP API shows it.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.user-summary.v1")]
public sealed record UserSummary(
    [property: Id(0)] string UserId,
    [property: Id(1)] bool Exists,
    [property: Id(2)] DateTimeOffset? FirstSeen,
    [property: Id(3)] DateTimeOffset? LastSeen,
    [property: Id(4)] long TotalEvents,
    [property: Id(5)] ImmutableDictionary<string, long> Counters,
    [property: Id(6)] ImmutableArray<Interaction> RecentInteractions,
    [property: Id(7)] string? ModelVersion,
    [property: Id(8)] bool HasVector);
