using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RecoGrid.Training.Linalg;

/// <summary>
/// Computes YᵀY for a row-major factor matrix Y (rows × d), in parallel and deterministically; also over a block of
/// rows, so that workers holding different blocks can each compute a partial and the partials be summed.
/// </summary>
public static unsafe class GramMatrix
{
    // A fixed number of partial sums, reduced in order, makes the result independent of thread count and scheduling.
    private const int Chunks = 32;

    /// <summary>Returns the full symmetric d×d matrix YᵀY.</summary>
    public static float[] Compute(float[] factors, int rows, int d, int threads)
    {
        var result = new float[d * d];
        Compute(factors, rows, d, threads, result);
        return result;
    }

    /// <summary>Writes the full symmetric d×d matrix YᵀY into <paramref name="result"/>.</summary>
    public static void Compute(float[] factors, int rows, int d, int threads, float[] result) =>
        Accumulate(factors, 0, rows, d, threads, result);

    /// <summary>
    /// The symmetric d×d sum of y·yᵀ over rows [<paramref name="rowStart"/>, <paramref name="rowEnd"/>) of the row-major
    /// <paramref name="factors"/>. Partials of blocks that cover all rows add up (see <see cref="Sum"/>) to YᵀY up to
    /// float rounding.
    /// </summary>
    public static float[] Partial(float[] factors, int rowStart, int rowEnd, int d, int threads)
    {
        var result = new float[d * d];
        Accumulate(factors, rowStart, rowEnd, d, threads, result);
        return result;
    }

    /// <summary>Adds up partial Gram matrices in double, in list order, so the total does not depend on arrival order.</summary>
    public static float[] Sum(IReadOnlyList<float[]> partials, int d)
    {
        var sum = new double[d * d];
        foreach (var partial in partials)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(partial.Length, d * d, nameof(partials));
            for (var k = 0; k < sum.Length; k++)
            {
                sum[k] += partial[k];
            }
        }

        var result = new float[d * d];
        for (var k = 0; k < sum.Length; k++)
        {
            result[k] = (float)sum[k];
        }

        return result;
    }

    private static void Accumulate(float[] factors, int rowStart, int rowEnd, int d, int threads, float[] result)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(d, 1);
        if (rowStart < 0 || rowEnd < rowStart || factors.Length < (long)rowEnd * d)
        {
            throw new ArgumentOutOfRangeException(nameof(rowEnd), $"Rows [{rowStart}, {rowEnd}) of {d} factors are not within factors ({factors.Length} floats).");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(result.Length, d * d, nameof(result));
        var rows = rowEnd - rowStart;
        var rowsPerChunk = Math.Max(64, (rows + Chunks - 1) / Chunks);
        var chunkCount = (rows + rowsPerChunk - 1) / rowsPerChunk;
        var partials = new float[chunkCount][];
        Parallel.For(0, chunkCount, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, chunk =>
        {
            var partial = new float[d * d];
            var start = rowStart + (chunk * rowsPerChunk);
            var end = Math.Min(rowEnd, start + rowsPerChunk);
            fixed (float* y = factors)
            fixed (float* g = partial)
            {
                AccumulateUpper(y + ((nint)start * d), end - start, d, g);
            }

            partials[chunk] = partial;
        });

        var sum = new double[d * d];
        foreach (var partial in partials)
        {
            for (var k = 0; k < sum.Length; k++)
            {
                sum[k] += partial[k];
            }
        }

        for (var i = 0; i < d; i++)
        {
            for (var j = i; j < d; j++)
            {
                var value = (float)sum[(i * d) + j];
                result[(i * d) + j] = value;
                result[(j * d) + i] = value;
            }
        }
    }

    /// <summary>g[i, j] += Σ_r y[r, i]·y[r, j] for j ≥ i (rounded down to a multiple of 8), four rows at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AccumulateUpper(float* y, int rows, int d, float* g)
    {
        var r = 0;
        for (; r <= rows - 4; r += 4)
        {
            var y0 = y + ((nint)r * d);
            var y1 = y0 + d;
            var y2 = y1 + d;
            var y3 = y2 + d;
            for (var i = 0; i < d; i++)
            {
                var s0 = Vector256.Create(y0[i]);
                var s1 = Vector256.Create(y1[i]);
                var s2 = Vector256.Create(y2[i]);
                var s3 = Vector256.Create(y3[i]);
                var gi = g + ((nint)i * d);
                var j = i & ~7;
                for (; j <= d - 8; j += 8)
                {
                    var acc = Vector256.Load(gi + j);
                    acc = Vector256.FusedMultiplyAdd(s0, Vector256.Load(y0 + j), acc);
                    acc = Vector256.FusedMultiplyAdd(s1, Vector256.Load(y1 + j), acc);
                    acc = Vector256.FusedMultiplyAdd(s2, Vector256.Load(y2 + j), acc);
                    acc = Vector256.FusedMultiplyAdd(s3, Vector256.Load(y3 + j), acc);
                    acc.Store(gi + j);
                }

                for (; j < d; j++)
                {
                    gi[j] += (y0[i] * y0[j]) + (y1[i] * y1[j]) + (y2[i] * y2[j]) + (y3[i] * y3[j]);
                }
            }
        }

        for (; r < rows; r++)
        {
            var y0 = y + ((nint)r * d);
            for (var i = 0; i < d; i++)
            {
                var j = i & ~7;
                Kernels.Axpy(y0[i], y0 + j, g + ((nint)i * d) + j, d - j);
            }
        }
    }
}
