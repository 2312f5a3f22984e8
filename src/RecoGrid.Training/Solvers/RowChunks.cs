using RecoGrid.Training.Data;

namespace RecoGrid.Training.Solvers;

/// <summary>
/// Splits the rows of a sparse matrix into contiguous chunks of roughly equal work and runs them in parallel.
/// Each row is computed from inputs that do not change during the pass, so results never depend on scheduling.
/// </summary>
internal static class RowChunks
{
    private const int TargetChunks = 1024;

    /// <summary>Chunk boundaries (length chunks + 1), balancing nnz plus a per-row constant that stands for the d² work.</summary>
    public static int[] ByWork(CsrMatrix matrix, int factors)
    {
        var rows = matrix.Rows;
        var perRow = Math.Max(1L, factors / 2);
        var total = matrix.NonZeros + (perRow * rows);
        var target = Math.Max(1L, total / TargetChunks);
        var bounds = new List<int>(TargetChunks + 2) { 0 };
        long acc = 0;
        for (var r = 0; r < rows; r++)
        {
            acc += matrix.RowLength(r) + perRow;
            if (acc >= target)
            {
                bounds.Add(r + 1);
                acc = 0;
            }
        }

        if (bounds[^1] != rows)
        {
            bounds.Add(rows);
        }

        return [.. bounds];
    }

    /// <summary>Runs <paramref name="body"/>(start, end, scratch) over every chunk, with one scratch object per worker.</summary>
    public static void Run<TScratch>(int[] bounds, int threads, CancellationToken ct, Func<TScratch> createScratch, Action<int, int, TScratch> body)
    {
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads), CancellationToken = ct };
        Parallel.For(
            0,
            bounds.Length - 1,
            options,
            createScratch,
            (chunk, _, scratch) =>
            {
                body(bounds[chunk], bounds[chunk + 1], scratch);
                return scratch;
            },
            _ => { });
    }
}
