using System.Diagnostics;
using Microsoft.Extensions.Logging;
using RecoGrid.Storage.Training;
using RecoGrid.Training.Cluster.Blocks;
using RecoGrid.Training.Cluster.Contracts;
using RecoGrid.Training.Cluster.Placement;
using RecoGrid.Training.Linalg;

namespace RecoGrid.Training.Cluster.Jobs;

/// <summary>
/// The coordinator of one job. Each half-step sends every block still to do to its worker (a grain placed on a
/// training silo), persists each completed block, then sums the Gram partials in block order (so the sum never depends
/// on which worker finished first) for the next half-step. A failed block call (a silo lost, a timeout) is retried;
/// Orleans places the worker again on a live silo. A reminder wakes the job after its own silo was lost, and the
/// loop resumes from the persisted half-step.
/// </summary>
[TrainingSiloPlacement]
public sealed partial class TrainingJobGrain(
    [PersistentState("job", TrainingStorage.Name)] IPersistentState<TrainingJobState> state,
    ITrainingBlockStore store,
    ILogger<TrainingJobGrain> logger) : Grain, ITrainingJobGrain, IRemindable
{
    private const string KeepAlive = "keep-alive";
    private static readonly TimeSpan[] RetryDelays = [TimeSpan.FromMilliseconds(200), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(3)];
    // About three minutes of retries: enough for the membership to declare a killed silo dead.
    private const int MaxAttempts = 60;
    private Task? _loop;
    private bool _cancelled;

    private TrainingJobState Job => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        EnsureRunning();
        return Task.CompletedTask;
    }

    public async Task<TrainingJobProgress> Start(TrainingJobSpec spec)
    {
        if (Job.Spec is null)
        {
            Job.Spec = spec;
            Job.Status = TrainingJobStatus.Running;
            await state.WriteStateAsync();
            LogStarted(spec.JobId, spec.Users, spec.Items, spec.Factors, spec.Iterations, spec.Blocks);
            await this.RegisterOrUpdateReminder(KeepAlive, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        }

        EnsureRunning();
        return Progress();
    }

    public Task<TrainingJobProgress> GetProgress()
    {
        EnsureRunning();
        return Task.FromResult(Progress());
    }

    public Task Cancel()
    {
        _cancelled = true;
        return Task.CompletedTask;
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (Job.Status == TrainingJobStatus.Running)
        {
            EnsureRunning();
            return;
        }

        var reminder = await this.GetReminder(reminderName);
        if (reminder is not null)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private void EnsureRunning()
    {
        if (Job.Status == TrainingJobStatus.Running && Job.Spec is not null && (_loop is null || _loop.IsCompleted))
        {
            _loop = RunAsync();
        }
    }

    private TrainingJobProgress Progress() => new()
    {
        JobId = this.GetPrimaryKeyString(),
        Status = Job.Status,
        CompletedIterations = Math.Min(Job.Iteration - 1, Job.Spec?.Iterations ?? 0),
        Iterations = Job.Spec?.Iterations ?? 0,
        HalfStep = Job.HalfStep,
        CompletedBlocks = Job.CompletedBlocks.Count,
        Blocks = Job.Spec?.Blocks ?? 0,
        SecondsPerIteration = Job.SecondsPerIteration,
        BytesPerIteration = Job.BytesPerIteration,
        SolveSecondsPerIteration = Job.SolveSecondsPerIteration,
        Reassignments = Job.Reassignments,
        SolvesBySilo = Job.SolvesBySilo,
        Error = Job.Error,
    };

    private async Task RunAsync()
    {
        var spec = Job.Spec!;
        try
        {
            var timer = Stopwatch.StartNew();
            var secondsBefore = Job.IterationSeconds;
            while (Job.Iteration <= spec.Iterations)
            {
                if (_cancelled)
                {
                    await FinishAsync(TrainingJobStatus.Cancelled, "cancelled");
                    return;
                }

                // Keep the activation through long half-steps: it is not collected while idle between calls.
                DelayDeactivation(TimeSpan.FromMinutes(30));
                var side = Job.HalfStep;
                var fixedSide = side == FactorSide.Users ? FactorSide.Items : FactorSide.Users;
                var version = Job.Iteration;
                var fixedVersion = side == FactorSide.Users ? version - 1 : version;
                Job.IterationBytes += await EnsureGramAsync(spec, fixedSide, fixedVersion);
                await SolveHalfStepAsync(spec, side, version, fixedVersion);
                Job.IterationBytes += await EnsureGramAsync(spec, side, version);

                Job.CompletedBlocks = [];
                if (side == FactorSide.Users)
                {
                    Job.HalfStep = FactorSide.Items;
                    Job.IterationSeconds = secondsBefore + timer.Elapsed.TotalSeconds;
                }
                else
                {
                    Job.SecondsPerIteration = Job.SecondsPerIteration.Add(secondsBefore + timer.Elapsed.TotalSeconds);
                    Job.BytesPerIteration = Job.BytesPerIteration.Add(Job.IterationBytes);
                    Job.SolveSecondsPerIteration = Job.SolveSecondsPerIteration.Add(Job.IterationSolveSeconds);
                    Job.IterationBytes = 0;
                    Job.IterationSeconds = 0;
                    Job.IterationSolveSeconds = 0;
                    Job.HalfStep = FactorSide.Users;
                    Job.Iteration++;
                    secondsBefore = 0;
                    timer.Restart();

                    // Version − 1 of both sides is no longer read by anyone (the next user step reads items at version).
                    foreach (var stale in BlockNames.Version(spec.JobId, FactorSide.Users, version - 1).Concat(BlockNames.Version(spec.JobId, FactorSide.Items, version - 1)))
                    {
                        await store.DeleteAllAsync(stale);
                    }
                }

                await state.WriteStateAsync();
            }

            await FinishAsync(TrainingJobStatus.Completed, null);
            LogCompleted(spec.JobId, spec.Iterations, Job.Reassignments);
        }
        catch (Exception exception)
        {
            LogFailed(exception, spec.JobId);
            await FinishAsync(TrainingJobStatus.Failed, exception.Message);
        }
    }

    private async Task FinishAsync(TrainingJobStatus status, string? error)
    {
        Job.Status = status;
        Job.Error = error;
        await state.WriteStateAsync();
        var reminder = await this.GetReminder(KeepAlive);
        if (reminder is not null)
        {
            await this.UnregisterReminder(reminder);
        }
    }

    private async Task SolveHalfStepAsync(TrainingJobSpec spec, FactorSide side, int version, int fixedVersion)
    {
        var pending = new Dictionary<Task<BlockResult>, int>();
        for (var b = 0; b < spec.Blocks; b++)
        {
            if (!Job.CompletedBlocks.Contains(b))
            {
                var task = new BlockTask { Spec = spec, Side = side, Block = b, Version = version, FixedVersion = fixedVersion };
                pending.Add(SolveBlockAsync(task), b);
            }
        }

        // Results are persisted one at a time as they arrive; the grain's turns keep the writes from overlapping.
        while (pending.Count > 0)
        {
            var done = await Task.WhenAny(pending.Keys);
            var block = pending[done];
            pending.Remove(done);
            var result = await done;
            Job.CompletedBlocks = Job.CompletedBlocks.Add(block);
            Job.IterationBytes += result.BytesRead + result.BytesWritten;
            Job.IterationSolveSeconds += result.SolveSeconds;
            Job.SolvesBySilo = Job.SolvesBySilo.SetItem(result.Silo, Job.SolvesBySilo.GetValueOrDefault(result.Silo) + 1);
            await state.WriteStateAsync();
        }
    }

    private async Task<BlockResult> SolveBlockAsync(BlockTask task)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await GrainFactory.GetGrain<ITrainingWorkerGrain>(task.Block, task.Spec.JobId).Solve(task).WaitAsync(task.Spec.BlockTimeout);
            }
            catch (Exception exception) when (IsTransient(exception) && !_cancelled && attempt < MaxAttempts)
            {
                Job.Reassignments++;
                LogBlockRetry(exception, task.Spec.JobId, task.Side, task.Block, attempt + 1);
                await Task.Delay(RetryDelays[Math.Min(attempt, RetryDelays.Length - 1)]);
            }
        }
    }

    // A lost silo or a timeout is transient; a bad block or an invalid spec is not, and fails the job.
    private static bool IsTransient(Exception exception) =>
        exception is not (InvalidDataException or TrainingBlockNotFoundException or ArgumentException);

    /// <summary>Sums the Gram partials of a side's version in block order, once; returns the bytes it moved.</summary>
    private async Task<long> EnsureGramAsync(TrainingJobSpec spec, FactorSide side, int version)
    {
        var name = BlockNames.Gram(spec.JobId, side, version);
        if (await store.ExistsAsync(name))
        {
            return 0;
        }

        long bytes = 0;
        var partials = new List<float[]>(spec.Blocks);
        for (var b = 0; b < spec.Blocks; b++)
        {
            var partialName = BlockNames.GramPartial(spec.JobId, side, version, b);
            var content = await store.ReadAsync(partialName);
            bytes += content.Length;
            var partial = new float[spec.Factors * spec.Factors];
            BlockCodec.DecodeFloats(content, spec.Factors, spec.Factors, partial, partialName);
            partials.Add(partial);
        }

        var total = BlockCodec.EncodeFloats(GramMatrix.Sum(partials, spec.Factors), spec.Factors, spec.Factors);
        await store.WriteAsync(name, total);
        return bytes + total.Length;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Training job {JobId} started: {Users} users × {Items} items, {Factors} factors, {Iterations} iterations, {Blocks} blocks per side.")]
    private partial void LogStarted(string jobId, int users, int items, int factors, int iterations, int blocks);

    [LoggerMessage(Level = LogLevel.Information, Message = "Training job {JobId} completed {Iterations} iterations ({Reassignments} block solves retried).")]
    private partial void LogCompleted(string jobId, int iterations, int reassignments);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Training job {JobId}: solving {Side} block {Block} failed (attempt {Attempt}); retrying, on another silo if its silo is gone.")]
    private partial void LogBlockRetry(Exception exception, string jobId, FactorSide side, int block, int attempt);

    [LoggerMessage(Level = LogLevel.Error, Message = "Training job {JobId} failed.")]
    private partial void LogFailed(Exception exception, string jobId);
}
