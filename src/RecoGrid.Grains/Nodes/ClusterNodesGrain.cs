using System.Collections.Immutable;
using Orleans.Concurrency;
using RecoGrid.Abstractions;

namespace RecoGrid.Grains.Nodes;

/// <summary>Keeps the latest report of each node in memory; forgets nodes silent for <see cref="ForgetAfter"/>.</summary>
[Reentrant]
public sealed class ClusterNodesGrain : Grain, IClusterNodesGrain
{
    /// <summary>A node that has not reported for this long is dropped from the board (membership still lists it as dead).</summary>
    public static readonly TimeSpan ForgetAfter = TimeSpan.FromMinutes(10);

    private readonly Dictionary<string, NodeReport> _reports = new(StringComparer.Ordinal);

    public Task Report(NodeReport report)
    {
        _reports[report.SiloAddress] = report;
        foreach (var stale in _reports.Values.Where(r => report.ReportedAt - r.ReportedAt > ForgetAfter).ToList())
        {
            _reports.Remove(stale.SiloAddress);
        }

        return Task.CompletedTask;
    }

    public Task<ImmutableArray<NodeReport>> GetReports() =>
        Task.FromResult<ImmutableArray<NodeReport>>([.. _reports.Values.OrderByDescending(r => r.ReportedAt)]);
}
