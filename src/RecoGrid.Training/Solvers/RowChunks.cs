using RecoGrid.Training.Data;

namespace RecoGrid.Training.Solvers;

/// <summary>
/// The one row-update driver behind every half-step: splits a range of rows into contiguous chunks of roughly equal
/// work, runs them in parallel with one scratch buffer per worker, and calls the solver on each row. Each row is
/// computed from inputs that do not change during the pass, so results never depend on chunking or scheduling.
/// </summary>
internal static unsafe class RowChunks
{
    private const int TargetChunks = 1024;

    /// <summary>
    /// Updates rows [<paramref name="rowStart"/>, <paramref name="rowEnd"/>) of <paramref name="rows"/>; row r's vector
    /// is at (r − rowStart)·d in <paramref name="target"/>.
    /// </summary>
    public static void Update<TSolver>(
        TSolver solver,
        CsrMatrix rows,
        int rowStart,
        int rowEnd,
        float[] target,
        float[] fixedFactors,
        float[] fixedGram,
        int d,
        IalsSolveParameters parameters,
        int threads,
        CancellationToken ct)
        where TSolver : struct, IRowSolver
    {
        var bounds = ByWork(rows, rowStart, rowEnd, d);
        var scratchLength = solver.ScratchLength(d);
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads), CancellationToken = ct };
        Parallel.For(
            0,
            bounds.Length - 1,
            options,
            () => new float[scratchLength],
            (chunk, _, scratch) =>
            {
                fixed (float* y = fixedFactors)
                fixed (float* g = fixedGram)
                fixed (float* x = target)
                fixed (float* s = scratch)
                {
                    for (var row = bounds[chunk]; row < bounds[chunk + 1]; row++)
                    {
                        solver.SolveRow(
                            y,
                            d,
                            g,
                            rows.RowIndices(row),
                            rows.RowValues(row),
                            parameters.Alpha,
                            parameters.RowLambda(rows.RowLength(row)),
                            s,
                            x + ((nint)(row - rowStart) * d));
                    }
                }

                return scratch;
            },
            _ => { });
    }

    /// <summary>Chunk boundaries (length chunks + 1), balancing nnz plus a per-row constant that stands for the d² work.</summary>
    public static int[] ByWork(CsrMatrix matrix, int rowStart, int rowEnd, int factors)
    {
        var perRow = Math.Max(1L, factors / 2);
        var total = (matrix.RowPointers[rowEnd] - matrix.RowPointers[rowStart]) + (perRow * (rowEnd - rowStart));
        var target = Math.Max(1L, total / TargetChunks);
        var bounds = new List<int>(TargetChunks + 2) { rowStart };
        long acc = 0;
        for (var r = rowStart; r < rowEnd; r++)
        {
            acc += matrix.RowLength(r) + perRow;
            if (acc >= target)
            {
                bounds.Add(r + 1);
                acc = 0;
            }
        }

        if (bounds[^1] != rowEnd)
        {
            bounds.Add(rowEnd);
        }

        return [.. bounds];
    }
}
