using System.Diagnostics;
using RecoGrid.Storage.Training;
using RecoGrid.Training.Cluster.Blocks;
using RecoGrid.Training.Cluster.Contracts;
using RecoGrid.Training.Cluster.Placement;
using RecoGrid.Training.Data;
using RecoGrid.Training.Linalg;
using RecoGrid.Training.Models;
using RecoGrid.Training.Solvers;

namespace RecoGrid.Training.Cluster.Workers;

/// <summary>
/// Solves one block of rows of a job with Training's half-step: reads the other side's factors (shared on the silo),
/// the summed Gram and the block's previous factors (the warm start), solves, and writes the new factors and their
/// Gram partial. Inputs of a version never change, so solving a block again (after a lost silo) writes the same bytes.
/// </summary>
[TrainingSiloPlacement]
public sealed class TrainingWorkerGrain(ITrainingBlockStore store, SiloTrainingResources resources, ILocalSiloDetails silo) : Grain, ITrainingWorkerGrain
{
    private readonly CsrMatrix?[] _rows = new CsrMatrix?[2];

    public async Task<BlockResult> Solve(BlockTask task)
    {
        var spec = task.Spec;
        var d = spec.Factors;
        var block = task.Block;
        var bounds = spec.Bounds(task.Side);
        var rowCount = bounds[block + 1] - bounds[block];
        var fixedSide = task.Side == FactorSide.Users ? FactorSide.Items : FactorSide.Users;
        long read = 0;
        var load = Stopwatch.StartNew();

        var rows = _rows[(int)task.Side];
        if (rows is null)
        {
            var name = BlockNames.Rows(spec.JobId, task.Side, block);
            var bytes = await store.ReadAsync(name);
            read += bytes.Length;
            rows = _rows[(int)task.Side] = BlockCodec.DecodeRows(bytes, name);
        }

        var fixedFactors = await resources.FactorsAsync(spec, fixedSide, task.FixedVersion, bytes => read += bytes);
        var gramName = BlockNames.Gram(spec.JobId, fixedSide, task.FixedVersion);
        var gramBytes = await store.ReadAsync(gramName);
        read += gramBytes.Length;
        var gram = new float[d * d];
        BlockCodec.DecodeFloats(gramBytes, d, d, gram, gramName);

        var previousName = BlockNames.Factors(spec.JobId, task.Side, task.Version - 1, block);
        var previous = await store.ReadAsync(previousName);
        read += previous.Length;
        var target = new float[(long)rowCount * d];
        BlockCodec.DecodeFloats(previous, rowCount, d, target, previousName);
        var loadSeconds = load.Elapsed.TotalSeconds;

        var settings = new IalsSolverSettings
        {
            Factors = d,
            Parameters = new IalsSolveParameters(spec.Alpha, spec.Lambda, spec.RegularizationExponent),
            Solver = (IalsSolver)spec.Solver,
            CgSteps = spec.CgSteps,
            Threads = spec.WorkerThreads,
        };
        var (partial, solveSeconds) = await resources.ComputeAsync(
            () =>
            {
                var timer = Stopwatch.StartNew();
                IalsHalfStep.Solve(rows, 0, rowCount, target, fixedFactors, gram, settings);
                var seconds = timer.Elapsed.TotalSeconds;
                return (GramMatrix.Partial(target, 0, rowCount, d, spec.WorkerThreads), seconds);
            },
            CancellationToken.None);

        var factors = BlockCodec.EncodeFloats(target, rowCount, d);
        var partialBytes = BlockCodec.EncodeFloats(partial, d, d);
        await store.WriteAsync(BlockNames.Factors(spec.JobId, task.Side, task.Version, block), factors);
        await store.WriteAsync(BlockNames.GramPartial(spec.JobId, task.Side, task.Version, block), partialBytes);
        return new BlockResult(read, factors.Length + partialBytes.Length, solveSeconds, loadSeconds, silo.SiloAddress.ToString());
    }
}
