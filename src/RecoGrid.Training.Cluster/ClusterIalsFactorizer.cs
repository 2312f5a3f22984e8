using System.Collections.Immutable;
using RecoGrid.Storage.Training;
using RecoGrid.Training.Cluster.Blocks;
using RecoGrid.Training.Cluster.Contracts;
using RecoGrid.Training.Data;
using RecoGrid.Training.Linalg;
using RecoGrid.Training.Models;

namespace RecoGrid.Training.Cluster;

/// <summary>What a distributed fit produced besides the model: the job's own account of time and bytes.</summary>
public sealed record ClusterFitResult(IalsModel Model, TrainingJobProgress Progress, double PrepareSeconds, double CollectSeconds, long PrepareBytes);

/// <summary>
/// iALS distributed over the cluster's training silos: writes the data's blocks and the initial factors (the same draws
/// as <see cref="IalsModel.Fit"/>) to the block store, starts a <see cref="ITrainingJobGrain"/>, follows its progress
/// and reads the final factors back. Call it off any grain's scheduler (it waits for the job).
/// </summary>
public sealed class ClusterIalsFactorizer(IGrainFactory grains, ITrainingBlockStore store, ClusterTrainingOptions options) : IIalsFactorizer
{
    /// <summary>Receives the job's progress each time it is polled (for HTTP progress).</summary>
    public Action<TrainingJobProgress>? OnProgress { get; init; }

    /// <summary>Job ids start with this, so a retraining run's jobs can be found.</summary>
    public string JobPrefix { get; init; } = "job";

    /// <summary>
    /// The job's id when the caller must be able to find the job again (to cancel it and delete its blocks after losing
    /// track of it); by default a new one from <see cref="JobPrefix"/> per fit. Give a fresh id per fit.
    /// </summary>
    public string? JobId { get; init; }

    /// <inheritdoc />
    public IalsModel Fit(CsrMatrix userItems, IalsOptions ials, Action<IterationReport>? progress, CancellationToken ct) =>
        FitAsync(userItems, ials, progress, ct).GetAwaiter().GetResult().Model;

    /// <summary>Runs the job and waits for it.</summary>
    public async Task<ClusterFitResult> FitAsync(CsrMatrix userItems, IalsOptions ials, Action<IterationReport>? progress, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(userItems);
        ArgumentNullException.ThrowIfNull(ials);
        ials.Validate();
        var d = ials.Factors;
        var users = userItems.Rows;
        var items = userItems.Columns;
        var (userFactors, itemFactors) = IalsModel.InitialFactors(users, items, ials);
        if (ials.Iterations == 0)
        {
            return new ClusterFitResult(IalsModel.FromFactors(users, items, d, userFactors, itemFactors, ials), Empty("none"), 0, 0, 0);
        }

        var jobId = JobId ?? $"{JobPrefix}-{Guid.NewGuid():N}";
        var blocks = Math.Max(1, Math.Min(options.Blocks, Math.Min(users, items)));
        var itemUsers = userItems.Transpose();
        var spec = new TrainingJobSpec
        {
            JobId = jobId,
            Users = users,
            Items = items,
            Factors = d,
            Iterations = ials.Iterations,
            Alpha = ials.Alpha,
            Lambda = ials.Lambda,
            RegularizationExponent = ials.RegularizationExponent,
            Solver = (int)ials.Solver,
            CgSteps = ials.CgSteps,
            WorkerThreads = options.EffectiveWorkerThreads,
            BlockTimeout = options.BlockTimeout,
            UserBounds = BlockBounds.ByWork(userItems, blocks),
            ItemBounds = BlockBounds.ByWork(itemUsers, blocks),
        };

        var prepare = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            var prepareBytes = await WriteSideAsync(spec, FactorSide.Users, userItems, userFactors, withGram: false, ct);
            prepareBytes += await WriteSideAsync(spec, FactorSide.Items, itemUsers, itemFactors, withGram: true, ct);
            var prepareSeconds = prepare.Elapsed.TotalSeconds;

            var job = grains.GetGrain<ITrainingJobGrain>(jobId);
            var state = await job.Start(spec);
            var reported = 0;
            while (true)
            {
                OnProgress?.Invoke(state);
                for (; reported < state.SecondsPerIteration.Length; reported++)
                {
                    progress?.Invoke(new IterationReport(reported + 1, state.SecondsPerIteration[reported], null));
                }

                if (state.Status == TrainingJobStatus.Completed)
                {
                    break;
                }

                if (state.Status is TrainingJobStatus.Failed or TrainingJobStatus.Cancelled)
                {
                    throw new TrainingJobFailedException(jobId, state.Error ?? state.Status.ToString());
                }

                try
                {
                    await Task.Delay(options.ProgressInterval, ct);
                }
                catch (OperationCanceledException)
                {
                    await job.Cancel();
                    throw;
                }

                state = await PollAsync(job, state, ct);
            }

            var collect = System.Diagnostics.Stopwatch.StartNew();
            var finalUsers = await ReadSideAsync(spec, FactorSide.Users, spec.Iterations, ct);
            var finalItems = await ReadSideAsync(spec, FactorSide.Items, spec.Iterations, ct);
            return new ClusterFitResult(
                IalsModel.FromFactors(users, items, d, finalUsers, finalItems, ials), state, prepareSeconds, collect.Elapsed.TotalSeconds, prepareBytes);
        }
        finally
        {
            await store.DeleteAllAsync(BlockNames.Job(jobId), CancellationToken.None);
        }
    }

    // The coordinator's silo may be lost too: the next call activates it elsewhere and it resumes from its state.
    private static async Task<TrainingJobProgress> PollAsync(ITrainingJobGrain job, TrainingJobProgress last, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await job.GetProgress();
            }
            catch (Exception) when (attempt < 60 && !ct.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), ct);
            }
        }
    }

    private async Task<long> WriteSideAsync(TrainingJobSpec spec, FactorSide side, CsrMatrix rows, float[] factors, bool withGram, CancellationToken ct)
    {
        var bounds = spec.Bounds(side);
        var d = spec.Factors;
        long bytes = 0;
        for (var b = 0; b < spec.Blocks; b++)
        {
            var (start, end) = (bounds[b], bounds[b + 1]);
            var rowBytes = BlockCodec.EncodeRows(rows, start, end);
            await store.WriteAsync(BlockNames.Rows(spec.JobId, side, b), rowBytes, ct);
            var block = factors.AsSpan(start * d, (end - start) * d);
            var factorBytes = BlockCodec.EncodeFloats(block, end - start, d);
            await store.WriteAsync(BlockNames.Factors(spec.JobId, side, 0, b), factorBytes, ct);
            bytes += rowBytes.Length + factorBytes.Length;
            if (withGram)
            {
                var partial = BlockCodec.EncodeFloats(GramMatrix.Partial(factors, start, end, d, spec.WorkerThreads), d, d);
                await store.WriteAsync(BlockNames.GramPartial(spec.JobId, side, 0, b), partial, ct);
                bytes += partial.Length;
            }
        }

        return bytes;
    }

    private async Task<float[]> ReadSideAsync(TrainingJobSpec spec, FactorSide side, int version, CancellationToken ct)
    {
        var bounds = spec.Bounds(side);
        var d = spec.Factors;
        var factors = new float[(long)bounds[^1] * d];
        for (var b = 0; b < spec.Blocks; b++)
        {
            var name = BlockNames.Factors(spec.JobId, side, version, b);
            var rows = bounds[b + 1] - bounds[b];
            BlockCodec.DecodeFloats(await store.ReadAsync(name, ct), rows, d, factors.AsSpan(bounds[b] * d, rows * d), name);
        }

        return factors;
    }

    private static TrainingJobProgress Empty(string id) => new() { JobId = id, Status = TrainingJobStatus.Completed };
}

/// <summary>Thrown when a distributed training job ends without its factors.</summary>
public sealed class TrainingJobFailedException(string jobId, string reason) : Exception($"Training job {jobId} did not complete: {reason}")
{
    /// <summary>The job.</summary>
    public string JobId { get; } = jobId;
}

/// <summary>Cuts a side's rows into contiguous blocks of about equal work.</summary>
public static class BlockBounds
{
    /// <summary>
    /// Bounds of <paramref name="blocks"/> contiguous blocks of rows, balanced by non-zeros plus a per-row cost (a solve
    /// costs O(nnz·d) for the products and O(d²) per row), each with at least one row.
    /// </summary>
    public static ImmutableArray<int> ByWork(CsrMatrix rows, int blocks)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(blocks, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(blocks, Math.Max(1, rows.Rows));
        const long RowCost = 8;
        var total = rows.NonZeros + (RowCost * rows.Rows);
        var bounds = new int[blocks + 1];
        bounds[blocks] = rows.Rows;
        var row = 0;
        long work = 0;
        for (var b = 1; b < blocks; b++)
        {
            var goal = total * b / blocks;
            while (row < rows.Rows - (blocks - b) && (work < goal || row <= bounds[b - 1]))
            {
                work += rows.RowLength(row) + RowCost;
                row++;
            }

            bounds[b] = row;
        }

        return [.. bounds];
    }
}
