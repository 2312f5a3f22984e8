using System.Collections.Immutable;
using RecoGrid.Abstractions;

namespace RecoGrid.Grains.Tests;

/// <summary>Events written the way the API writes them: through the user's log partition.</summary>
internal static class LogTestExtensions
{
    public static Task<LogAppendResult> Log(this IGrainFactory grains, string userId, params Interaction[] interactions) =>
        grains.LogWithIds(userId, [.. interactions.Select(i => (i, (string?)null))]);

    public static Task<LogAppendResult> LogWithIds(this IGrainFactory grains, string userId, ImmutableArray<(Interaction Interaction, string? EventId)> events)
    {
        var partition = ShardHash.Shard(userId, ClusterFixture.Partitions);
        return grains.GetGrain<ILogPartitionGrain>(partition).Append(new LogBatchPart(
            Guid.NewGuid(), 1, [partition], [.. events.Select(e => new LoggedEvent(userId, e.Interaction, e.EventId))]));
    }

    /// <summary>The first of <paramref name="prefix"/>0, <paramref name="prefix"/>1, … whose log partition is <paramref name="partition"/>.</summary>
    public static string UserIn(int partition, string prefix) =>
        Enumerable.Range(0, 1000).Select(i => prefix + i).First(id => ShardHash.Shard(id, ClusterFixture.Partitions) == partition);

    public static Task<long> Erase(this IGrainFactory grains, string userId) =>
        grains.GetGrain<ILogPartitionGrain>(ShardHash.Shard(userId, ClusterFixture.Partitions)).Erase(userId);
}
