using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RecoGrid.Grains.Common;
using RecoGrid.Training.Cluster;
using RecoGrid.Training.Cluster.Placement;

namespace RecoGrid.Server.Retraining;

/// <summary>What the retraining grain keeps across restarts.</summary>
[GenerateSerializer, Alias("recogrid.retraining.RetrainingState")]
public sealed class RetrainingState
{
    [Id(0)] public int RunCount { get; set; }

    /// <summary>The run in progress (persisted so a run lost with its silo is recorded as failed).</summary>
    [Id(1)] public RetrainingRun? Current { get; set; }

    /// <summary>The configuration the last tune chose; null until the first tune.</summary>
    [Id(2)] public TunedSettings? Tuned { get; set; }

    /// <summary>Runs trained since (and including) the last tune.</summary>
    [Id(3)] public int RunsSinceTune { get; set; }

    /// <summary>The schedule is due at its first occurrence after this time.</summary>
    [Id(4)] public DateTimeOffset? ScheduleAnchor { get; set; }

    /// <summary>The schedule the anchor belongs to (a new schedule starts from now).</summary>
    [Id(5)] public string? ScheduleExpression { get; set; }
}

/// <summary>
/// The cluster's one retraining coordinator: one run at a time, on demand or when the cron schedule is due (checked by
/// an Orleans reminder, so the schedule survives restarts), each run executed by <see cref="RetrainingRunner"/> off the
/// grain's scheduler.
/// </summary>
[TrainingSiloPlacement]
public sealed partial class RetrainingGrain(
    [PersistentState("retraining", TrainingStorage.Name)] IPersistentState<RetrainingState> state,
    RetrainingRunner runner,
    RetrainingHistory history,
    IOptions<RetrainingOptions> options,
    [FromKeyedServices(RecoGridClock.Key)] TimeProvider clock,
    ILogger<RetrainingGrain> logger) : Grain, IRetrainingGrain, IRemindable
{
    private const string ScheduleReminder = "schedule";
    private Task? _running;
    private RetrainingRun? _latest;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Current is not { } lost)
        {
            return;
        }

        // This activation did not start it: the silo that ran it is gone, and the run with it. Within the restart budget
        // it starts again from its snapshot here (the data it read is still in the log, the seed is the same, so it
        // trains the same model); past it, it is recorded as failed.
        if (lost.Restarts < options.Value.MaxRestarts)
        {
            var restarted = new RetrainingRun
            {
                Id = lost.Id,
                Trigger = lost.Trigger,
                Status = RetrainingStatus.Running,
                StartedAt = lost.StartedAt,
                Metric = lost.Metric,
                Restarts = lost.Restarts + 1,
            };
            state.State.Current = restarted;
            await state.WriteStateAsync(cancellationToken);
            _latest = restarted;
            DelayDeactivation(TimeSpan.FromDays(1));
            LogRestarted(lost.Id, lost.Step, restarted.Restarts);
            var tune = TuneDue(options.Value);
            _running = RestartAsync(lost, restarted, tune);
            return;
        }

        await AbandonAsync(lost);
        var failed = lost with
        {
            Status = RetrainingStatus.Failed,
            FinishedAt = clock.GetUtcNow(),
            Error = $"interrupted at step {lost.Step}: the node running it stopped ({lost.Restarts} restarts already)",
            Decision = "failed; the serving model is unchanged",
        };
        await history.AppendAsync(failed, cancellationToken);
        state.State.Current = null;
        await state.WriteStateAsync(cancellationToken);
        _latest = failed;
    }

    private async Task RestartAsync(RetrainingRun lost, RetrainingRun restarted, bool tune)
    {
        await AbandonAsync(lost);
        await RunAsync(restarted, tune);
    }

    private async Task AbandonAsync(RetrainingRun lost)
    {
        try
        {
            await runner.AbandonAsync(lost, CancellationToken.None);
        }
        catch (Exception exception)
        {
            LogAbandonFailed(exception, lost.Id);
        }
    }

    private bool TuneDue(RetrainingOptions settings) =>
        settings.TuneEvery > 0 && (state.State.Tuned is null || state.State.RunsSinceTune >= settings.TuneEvery);

    public async Task<RetrainingStart> Start(string trigger)
    {
        if (_running is { IsCompleted: false } running)
        {
            var latest = Volatile.Read(ref _latest);
            if (latest is null || latest.Status == RetrainingStatus.Running)
            {
                return new RetrainingStart(false, latest!);
            }

            // Its final record is out (in the history; a client may already have read it) and only the state write is
            // left: the new run waits for that instead of being refused as if the old one were still going.
            try
            {
                await running;
            }
            catch (Exception)
            {
                // The run's state write failed; writing the new run's state below reports storage trouble as itself.
            }
        }

        var settings = options.Value;
        var tune = TuneDue(settings);
        state.State.RunCount++;
        var run = new RetrainingRun
        {
            Id = $"run-{state.State.RunCount}",
            Trigger = trigger,
            Status = RetrainingStatus.Running,
            StartedAt = clock.GetUtcNow(),
            Metric = settings.Metric,
        };
        state.State.Current = run;
        await state.WriteStateAsync();
        _latest = run;
        DelayDeactivation(TimeSpan.FromDays(1));
        LogStarted(run.Id, trigger, tune);
        _running = RunAsync(run, tune);
        return new RetrainingStart(true, run);
    }

    public async Task<RetrainingRun?> GetRun(string id)
    {
        if (Volatile.Read(ref _latest) is { } latest && latest.Id == id)
        {
            return latest;
        }

        return (await history.ReadAsync()).LastOrDefault(r => r.Id == id);
    }

    public async Task EnsureSchedule()
    {
        var settings = options.Value;
        if (settings.ParseSchedule() is null)
        {
            if (await this.GetReminder(ScheduleReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }

            return;
        }

        if (state.State.ScheduleAnchor is null || state.State.ScheduleExpression != settings.Schedule)
        {
            state.State.ScheduleAnchor = clock.GetUtcNow();
            state.State.ScheduleExpression = settings.Schedule;
            await state.WriteStateAsync();
        }

        await this.RegisterOrUpdateReminder(ScheduleReminder, settings.ScheduleCheckInterval, settings.ScheduleCheckInterval);
    }

    public async Task<RetrainingRun?> CheckSchedule()
    {
        var settings = options.Value;
        var cron = settings.ParseSchedule();
        if (cron is null)
        {
            return null;
        }

        var now = clock.GetUtcNow();
        var anchor = state.State.ScheduleExpression == settings.Schedule ? state.State.ScheduleAnchor ?? now : now;
        var due = cron.GetNextOccurrence(anchor.UtcDateTime);
        if (due is null || due.Value > now.UtcDateTime)
        {
            return null;
        }

        // Occurrences missed while the cluster was down are caught up by one run, not one per occurrence.
        state.State.ScheduleAnchor = now;
        state.State.ScheduleExpression = settings.Schedule;
        await state.WriteStateAsync();
        var start = await Start("schedule");
        if (!start.Started)
        {
            LogScheduleSkipped(start.Run.Id);
            return null;
        }

        return start.Run;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName == ScheduleReminder)
        {
            await CheckSchedule();
        }
    }

    private async Task RunAsync(RetrainingRun run, bool tune)
    {
        RetrainingOutcome outcome;
        try
        {
            var tuned = state.State.Tuned;
            // Progress is shown as it comes; the finished record only once it is in the history (below), so a client
            // that reads a run as finished also finds it in /v1/admin/models/history.
            outcome = await Task.Run(() => runner.RunAsync(run, tuned, tune, r =>
            {
                if (r.Status == RetrainingStatus.Running)
                {
                    Volatile.Write(ref _latest, r);
                }
            }, CancellationToken.None));
        }
        catch (Exception exception)
        {
            outcome = new RetrainingOutcome((Volatile.Read(ref _latest) ?? run) with { Status = RetrainingStatus.Failed, Error = exception.Message, FinishedAt = clock.GetUtcNow() }, null);
        }

        var finished = outcome.Run;
        try
        {
            await history.AppendAsync(finished);
        }
        catch (Exception exception)
        {
            LogHistoryFailed(exception, finished.Id);
        }

        state.State.Current = null;
        if (outcome.Tuned is { } chosen)
        {
            state.State.Tuned = chosen;
            state.State.RunsSinceTune = 1;
        }
        else if (finished.Status is RetrainingStatus.Promoted or RetrainingStatus.Rejected)
        {
            state.State.RunsSinceTune++;
        }

        Volatile.Write(ref _latest, finished);
        await state.WriteStateAsync();
        LogFinished(finished.Id, finished.Status, finished.Decision);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retraining {RunId} started ({Trigger}; tuning: {Tune}).")]
    private partial void LogStarted(string runId, string trigger, bool tune);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retraining {RunId} finished: {Status}, {Decision}.")]
    private partial void LogFinished(string runId, string status, string? decision);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Retraining {RunId} was lost at step {Step} with the node running it; started again here (restart {Restarts}).")]
    private partial void LogRestarted(string runId, string step, int restarts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Stopping the training job of the lost retraining {RunId}, or deleting its blocks, failed; its blocks may stay in the training store.")]
    private partial void LogAbandonFailed(Exception exception, string runId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A scheduled retraining was due while {RunId} was still running; it was skipped.")]
    private partial void LogScheduleSkipped(string runId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Recording retraining {RunId} in the history failed.")]
    private partial void LogHistoryFailed(Exception exception, string runId);
}
