using Microsoft.Extensions.Options;
using Orleans.Configuration;
using RecoGrid.Abstractions;
using RecoGrid.Storage.Models;

namespace RecoGrid.Api;

/// <summary>/v1/admin/cluster and /v1/admin/stats: the nodes of the cluster and their live numbers (what the console shows).</summary>
public static class ClusterApi
{
    /// <summary>Reports older than this do not count in the cluster totals (a node reports every 2 s).</summary>
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(10);

    /// <summary>One node: membership status joined with its latest report.</summary>
    public sealed record NodeResponse(
        string Address,
        string? Name,
        string? HostName,
        string? Role,
        string Status,
        bool Self,
        string? ModelVersion,
        IReadOnlyList<string> LoadedVersions,
        DateTimeOffset? StartedAt,
        DateTimeOffset? ReportedAt,
        IReadOnlyList<string> Urls);

    /// <summary>Reply of GET /v1/admin/cluster.</summary>
    public sealed record ClusterResponse(string ClusterId, string? PromotedModel, IReadOnlyList<NodeResponse> Nodes);

    /// <summary>One node's numbers over its last report interval (null stats: the node runs with telemetry off).</summary>
    public sealed record NodeStatsResponse(string Address, string Role, bool Self, DateTimeOffset ReportedAt, NodeStats? Stats);

    /// <summary>Reply of GET /v1/admin/stats: per-node numbers and the cluster's (rates summed, p99 the worst node's).</summary>
    public sealed record StatsResponse(DateTimeOffset At, NodeStats? Totals, IReadOnlyList<NodeStatsResponse> Nodes);

    public static RouteGroupBuilder MapClusterApi(this RouteGroupBuilder group)
    {
        var admin = group.MapGroup("/admin").WithTags("Cluster (admin)");
        admin.MapGet("/cluster", GetCluster)
            .WithName("GetCluster")
            .WithSummary("List the cluster's nodes: role, membership status, the model version each serves.")
            .WithDescription("Membership (every silo the cluster knows, dead ones included) joined with each node's latest self-report (every 2 s): role, served and loaded model versions, start time, URLs.")
            .Produces<ClusterResponse>();
        admin.MapGet("/stats", GetStats)
            .WithName("GetStats")
            .WithSummary("Live numbers per node and for the cluster: events/s, recommendations/s, p99 latency, scoring batch size.")
            .WithDescription("Each node measures over its last report interval (2 s): accepted events and answered recommendations per second, the 99th percentile of POST /v1/events and of GET /v1/users/{userId}/recommendations, scoring batches per second and their mean size, active user grains. Totals sum the rates of nodes heard from in the last 10 s; p99 is the worst node's. A node with Telemetry:Enabled=false reports no numbers.")
            .Produces<StatsResponse>();
        return group;
    }

    private static async Task<IResult> GetCluster(
        IGrainFactory grains, IClusterMembershipService membership, ILocalSiloDetails silo, IOptions<ClusterOptions> cluster, IModelRegistry registry, CancellationToken cancellationToken)
    {
        var reports = (await grains.GetGrain<IClusterNodesGrain>(0).GetReports()).ToDictionary(r => r.SiloAddress, StringComparer.Ordinal);
        var self = silo.SiloAddress.ToParsableString();
        var nodes = new List<NodeResponse>();
        foreach (var member in membership.CurrentSnapshot.Members.Values.OrderBy(m => m.SiloAddress.ToString(), StringComparer.Ordinal))
        {
            var address = member.SiloAddress.ToParsableString();
            reports.Remove(address, out var report);
            nodes.Add(ToNode(address, member.Name, StatusName(member.Status), address == self, report));
        }

        // Reports from silos membership no longer lists (its table was reset): shown, status unknown.
        nodes.AddRange(reports.Values.Select(r => ToNode(r.SiloAddress, null, "unknown", r.SiloAddress == self, r)));
        var promoted = (await registry.GetAsync(cancellationToken)).Active;
        return TypedResults.Ok(new ClusterResponse(cluster.Value.ClusterId, promoted, nodes));
    }

    private static async Task<IResult> GetStats(IGrainFactory grains, ILocalSiloDetails silo, IClusterMembershipService membership, [FromKeyedServices(Grains.Common.RecoGridClock.Key)] TimeProvider time)
    {
        var now = time.GetUtcNow();
        var self = silo.SiloAddress.ToParsableString();
        var active = membership.CurrentSnapshot.Members.Values.Where(m => m.Status == SiloStatus.Active).Select(m => m.SiloAddress.ToParsableString()).ToHashSet(StringComparer.Ordinal);
        var reports = await grains.GetGrain<IClusterNodesGrain>(0).GetReports();
        var nodes = reports.Where(r => active.Contains(r.SiloAddress)).Select(r => new NodeStatsResponse(r.SiloAddress, r.Role, r.SiloAddress == self, r.ReportedAt, r.Stats)).ToList();
        var fresh = nodes.Where(n => n.Stats is not null && now - n.ReportedAt <= Fresh).Select(n => n.Stats!).ToList();
        return TypedResults.Ok(new StatsResponse(now, fresh.Count == 0 ? null : Sum(fresh), nodes));
    }

    private static NodeStats Sum(List<NodeStats> stats)
    {
        var batches = stats.Sum(s => s.ScoringBatchesPerSecond);
        return new NodeStats(
            Math.Round(stats.Sum(s => s.EventsPerSecond), 2),
            Math.Round(stats.Sum(s => s.RecommendationsPerSecond), 2),
            stats.Max(s => s.EventsP99Ms),
            stats.Max(s => s.RecommendationsP99Ms),
            Math.Round(batches, 2),
            batches == 0 ? null : Math.Round(stats.Sum(s => s.ScoringBatchesPerSecond * (s.MeanScoringBatchSize ?? 0)) / batches, 2),
            stats.Sum(s => s.ActiveUsers),
            stats.Sum(s => s.EventsTotal),
            stats.Sum(s => s.RecommendationsTotal));
    }

    private static NodeResponse ToNode(string address, string? name, string status, bool self, NodeReport? report) => new(
        address,
        name,
        report?.HostName,
        report?.Role,
        status,
        self,
        report?.ModelVersion,
        report is null ? [] : [.. report.LoadedVersions],
        report?.StartedAt,
        report?.ReportedAt,
        report is null ? [] : [.. report.Urls]);

    private static string StatusName(SiloStatus status) => status switch
    {
        SiloStatus.Active => "active",
        SiloStatus.Joining or SiloStatus.Created => "joining",
        SiloStatus.ShuttingDown or SiloStatus.Stopping => "stopping",
        SiloStatus.Dead => "dead",
        _ => status.ToString().ToLowerInvariant(),
    };
}
