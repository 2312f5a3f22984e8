using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RecoGrid.Abstractions;
using RecoGrid.Scoring.Hosting;
using RecoGrid.Server.Models;

namespace RecoGrid.Server.Telemetry;

/// <summary>
/// Tells the cluster's notice board (<see cref="IClusterNodesGrain"/>) every <see cref="Interval"/> who this node is,
/// which model it serves and (with telemetry on) its live numbers: what <c>/v1/admin/cluster</c> and
/// <c>/v1/admin/stats</c> show.
/// </summary>
public sealed partial class NodeReporter(
    IGrainFactory grains,
    ILocalSiloDetails silo,
    NodeOptions node,
    ActiveModelHolder active,
    ScoringEngine? engine,
    NodeStatistics? statistics,
    IServer server,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<NodeReporter> logger) : BackgroundService
{
    /// <summary>How often a node reports.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    private readonly DateTimeOffset _startedAt = time.GetUtcNow();
    private bool _warned;

    /// <summary>This node's report as of now (also what the node says about itself when the board cannot be reached).</summary>
    public NodeReport Current(NodeStats? stats) => new(
        silo.SiloAddress.ToParsableString(),
        silo.DnsHostName,
        node.Role.Name,
        active.Version,
        engine is null ? [] : [.. engine.LoadedVersions],
        _startedAt,
        time.GetUtcNow(),
        [.. server.Features.Get<IServerAddressesFeature>()?.Addresses ?? []],
        stats);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
        using (stoppingToken.Register(() => started.TrySetCanceled(stoppingToken)))
        {
            try
            {
                await started.Task;
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }

        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await grains.GetGrain<IClusterNodesGrain>(0).Report(Current(statistics?.TakeWindow()));
                _warned = false;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                if (!_warned)
                {
                    _warned = true;
                    LogReportFailed(exception);
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "This node could not report to the cluster's node board; the console may show it late. Retrying every few seconds.")]
    private partial void LogReportFailed(Exception exception);
}
