using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using RecoGrid.Training.Linalg;

namespace RecoGrid.Training.Solvers;

/// <summary>
/// Exact per-row iALS solve: (YᵀY + Σ (c−1)·y·yᵀ + λ_row·I)·x = Σ c·y by Cholesky, with a d×d scratch matrix.
/// Costs O(nnz·d² + rows·d³) per pass; the conjugate-gradient solver is the fast default.
/// </summary>
internal readonly unsafe struct CholeskySolver : IRowSolver
{
    /// <inheritdoc />
    public int ScratchLength(int factors) => factors * factors;

    /// <inheritdoc />
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    void IRowSolver.SolveRow(
        float* y,
        int d,
        float* gram,
        ReadOnlySpan<int> items,
        ReadOnlySpan<float> weights,
        float alpha,
        float lambda,
        float* scratch,
        float* x) =>
        SolveRow(y, d, gram, items, weights, alpha, lambda, scratch, x);

    /// <summary>The exact solve for one row, shared with fold-in; <paramref name="a"/> is d×d scratch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void SolveRow(
        float* y,
        int d,
        float* gram,
        ReadOnlySpan<int> items,
        ReadOnlySpan<float> weights,
        float alpha,
        float lambda,
        float* a,
        float* x)
    {
        if (items.IsEmpty)
        {
            // With λ > 0 the minimizer of a row without interactions is exactly zero.
            new Span<float>(x, d).Clear();
            return;
        }

        var ridge = 0f;
        for (var attempt = 0; ; attempt++)
        {
            BuildSystem(y, d, gram, items, weights, alpha, lambda + ridge, a, x);
            if (DenseCholesky.Factor(a, d))
            {
                break;
            }

            if (attempt == 4)
            {
                throw new InvalidOperationException("The iALS normal equations are not positive definite; use a positive Lambda.");
            }

            // Only reachable with λ ≈ 0 and a rank-deficient row: add a growing ridge relative to the matrix scale.
            var trace = 0f;
            for (var i = 0; i < d; i++)
            {
                trace += gram[((nint)i * d) + i];
            }

            ridge = (ridge == 0f ? 1e-6f * ((trace / d) + 1f) : ridge * 100f);
        }

        DenseCholesky.Solve(a, d, x);
    }

    /// <summary>Upper triangle of A = G + Σ(c−1)·y·yᵀ + λI into <paramref name="a"/>, b = Σ c·y into <paramref name="b"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BuildSystem(float* y, int d, float* gram, ReadOnlySpan<int> items, ReadOnlySpan<float> weights, float alpha, float lambda, float* a, float* b)
    {
        for (var i = 0; i < d; i++)
        {
            var start = i & ~7;
            Buffer.MemoryCopy(gram + ((nint)i * d) + start, a + ((nint)i * d) + start, (d - start) * sizeof(float), (d - start) * sizeof(float));
            a[((nint)i * d) + i] += lambda;
            b[i] = 0f;
        }

        for (var k = 0; k < items.Length; k++)
        {
            Kernels.Axpy(1f + (alpha * weights[k]), y + ((nint)items[k] * d), b, d);
        }

        // Σ (c−1)·y·yᵀ into the upper triangle, four items per sweep so each row of A is loaded and stored once per four.
        var k4 = 0;
        for (; k4 + 4 <= items.Length; k4 += 4)
        {
            RankFourUpdate(
                a,
                d,
                y + ((nint)items[k4] * d),
                y + ((nint)items[k4 + 1] * d),
                y + ((nint)items[k4 + 2] * d),
                y + ((nint)items[k4 + 3] * d),
                alpha * weights[k4],
                alpha * weights[k4 + 1],
                alpha * weights[k4 + 2],
                alpha * weights[k4 + 3]);
        }

        for (; k4 < items.Length; k4++)
        {
            var yk = y + ((nint)items[k4] * d);
            var extra = alpha * weights[k4];
            for (var i = 0; i < d; i++)
            {
                var start = i & ~7;
                Kernels.Axpy(extra * yk[i], yk + start, a + ((nint)i * d) + start, d - start);
            }
        }
    }

    /// <summary>
    /// A[i, i..] += Σ_k e_k·y_k[i]·y_k[i..]. Rows start at a multiple of 8 so the loop is whole vectors; the entries
    /// left of the diagonal that it also touches are scratch that neither the factorization nor the solves read.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RankFourUpdate(float* a, int d, float* y0, float* y1, float* y2, float* y3, float e0, float e1, float e2, float e3)
    {
        for (var i = 0; i < d; i++)
        {
            var c0 = e0 * y0[i];
            var c1 = e1 * y1[i];
            var c2 = e2 * y2[i];
            var c3 = e3 * y3[i];
            var s0 = Vector256.Create(c0);
            var s1 = Vector256.Create(c1);
            var s2 = Vector256.Create(c2);
            var s3 = Vector256.Create(c3);
            var row = a + ((nint)i * d);
            var j = i & ~7;
            for (; j + 8 <= d; j += 8)
            {
                var acc = Vector256.Load(row + j);
                acc = Vector256.FusedMultiplyAdd(s0, Vector256.Load(y0 + j), acc);
                acc = Vector256.FusedMultiplyAdd(s1, Vector256.Load(y1 + j), acc);
                acc = Vector256.FusedMultiplyAdd(s2, Vector256.Load(y2 + j), acc);
                acc = Vector256.FusedMultiplyAdd(s3, Vector256.Load(y3 + j), acc);
                acc.Store(row + j);
            }

            for (; j < d; j++)
            {
                row[j] += (c0 * y0[j]) + (c1 * y1[j]) + (c2 * y2[j]) + (c3 * y3[j]);
            }
        }
    }
}
