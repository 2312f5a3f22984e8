using System.Collections.Immutable;

namespace RecoGrid.Abstractions;

/// <summary>A node's live numbers over its last report interval (no ids: counts, rates and latencies only).</summary>
[GenerateSerializer, Immutable, Alias("recogrid.node-stats.v1")]
public sealed record NodeStats(
    [property: Id(0)] double EventsPerSecond,
    [property: Id(1)] double RecommendationsPerSecond,
    [property: Id(2)] double? EventsP99Ms,
    [property: Id(3)] double? RecommendationsP99Ms,
    [property: Id(4)] double ScoringBatchesPerSecond,
    [property: Id(5)] double? MeanScoringBatchSize,
    [property: Id(6)] long ActiveUsers,
    [property: Id(7)] long EventsTotal,
    [property: Id(8)] long RecommendationsTotal);

/// <summary>What a node says about itself every few seconds: who it is, what it serves, and its live numbers.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.node-report.v1")]
public sealed record NodeReport(
    [property: Id(0)] string SiloAddress,
    [property: Id(1)] string HostName,
    [property: Id(2)] string Role,
    [property: Id(3)] string? ModelVersion,
    [property: Id(4)] ImmutableArray<string> LoadedVersions,
    [property: Id(5)] DateTimeOffset StartedAt,
    [property: Id(6)] DateTimeOffset ReportedAt,
    [property: Id(7)] ImmutableArray<string> Urls,
    [property: Id(8)] NodeStats? Stats);

/// <summary>
/// The cluster's notice board of node reports (in memory: every node reports again within seconds, so a reactivated
/// board fills itself). Key: 0.
/// </summary>
[Alias("recogrid.IClusterNodesGrain")]
public interface IClusterNodesGrain : IGrainWithIntegerKey
{
    /// <summary>Records a node's latest report.</summary>
    [Alias("Report")]
    Task Report(NodeReport report);

    /// <summary>The latest report of every node heard from, newest first.</summary>
    [Alias("GetReports")]
    Task<ImmutableArray<NodeReport>> GetReports();
}
