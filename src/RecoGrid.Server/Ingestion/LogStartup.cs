using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RecoGrid.Abstractions;
using RecoGrid.Storage.Log;

namespace RecoGrid.Server.Ingestion;

/// <summary>
/// Activates every log partition once the silo runs, so each recovers (cuts a torn tail, decides open batches, feeds
/// its popularity shard) before traffic arrives; readiness waits for it.
/// </summary>
public sealed partial class LogStartup(IGrainFactory grains, IInteractionLogStore log, ILogger<LogStartup> logger) : BackgroundService, IHealthCheck
{
    private volatile string? _problem = "The interaction log is recovering.";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(_problem is { } problem ? HealthCheckResult.Unhealthy(problem) : HealthCheckResult.Healthy("The interaction log is open."));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.WhenAll(Enumerable.Range(0, log.Partitions).Select(p => grains.GetGrain<ILogPartitionGrain>(p).GetStatus()));
                _problem = null;
                LogOpen(log.Partitions);
                return;
            }
            catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
            {
                _problem = $"The interaction log cannot be opened: {exception.Message}";
                LogOpenFailed(exception);
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The interaction log is open: {Partitions} partitions recovered.")]
    private partial void LogOpen(int partitions);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Opening the interaction log failed; retrying.")]
    private partial void LogOpenFailed(Exception exception);
}
