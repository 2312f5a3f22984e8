using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RecoGrid.Server.Models;

namespace RecoGrid.Server.Experiments;

/// <summary>
/// Every <c>Experiments:FlushInterval</c>: re-reads the experiment list, keeps the running experiment's model versions
/// loaded on this silo (fold-in here, ONNX sessions on scoring silos) and flushes the buffered counts. Stopping the
/// host flushes once more, so a graceful restart loses no count.
/// </summary>
public sealed partial class ExperimentSync(
    ExperimentDirectory directory,
    ExperimentCounters counters,
    ModelWatcher watcher,
    IOptions<ExperimentOptions> options,
    ILogger<ExperimentSync> logger) : BackgroundService
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private string? _crowdedWarned;

    /// <summary>Brings this silo up to date with the registry now (after a change made through this node).</summary>
    public async Task SyncNowAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            await directory.RefreshAsync();
            var versions = directory.Running?.Variants.Select(v => v.ModelVersion).Distinct(StringComparer.Ordinal).ToArray() ?? [];
            var crowded = await watcher.KeepLoadedAsync(versions, cancellationToken);
            var key = string.Join(",", crowded);
            if (crowded.Count > 0 && key != _crowdedWarned)
            {
                LogCrowded(key, versions.Length + 1);
            }

            _crowdedWarned = crowded.Count > 0 ? key : null;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Reads the experiment list once before the node serves (the silo has started by now), so a restarted node assigns at once.</summary>
    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            bounded.CancelAfter(TimeSpan.FromSeconds(30));
            await SyncNowAsync(bounded.Token);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            LogSyncFailed(exception);
        }

        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.FlushInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await RunOnceAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await counters.FlushAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogFlushFailed(exception);
        }
    }

    private async Task RunOnceAsync(CancellationToken stoppingToken)
    {
        try
        {
            await counters.FlushAsync(stoppingToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogFlushFailed(exception);
        }

        try
        {
            await SyncNowAsync(stoppingToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Before the silo is up, or with the registry grain briefly unreachable: the next tick tries again.
            LogSyncFailed(exception);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Experiment counts could not be flushed; they stay buffered for the next flush.")]
    private partial void LogFlushFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Debug, Message = "The experiment list could not be refreshed; trying again on the next tick.")]
    private partial void LogSyncFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The running experiment's model versions {Versions} cannot all stay loaded on this scoring silo; set Scoring:MaxLoadedVersions to at least {Needed}. Users of those variants get the promoted model meanwhile and are not counted.")]
    private partial void LogCrowded(string versions, int needed);
}
