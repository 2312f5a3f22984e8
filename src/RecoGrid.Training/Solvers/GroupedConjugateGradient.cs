using System.Runtime.CompilerServices;
using RecoGrid.Training.Data;
using RecoGrid.Training.Linalg;

namespace RecoGrid.Training.Solvers;

/// <summary>
/// The CG row solve of <see cref="ConjugateGradientSolver"/> for up to four long rows in lockstep. Each sparse pass
/// walks the union of the rows' sorted column lists, so a fixed-side vector shared by several rows is read from memory
/// once and then used from L1. Per row the operations and their order are exactly those of the single-row solve.
/// </summary>
internal static unsafe class GroupedConjugateGradient
{
    private const int MaxRows = RowGroups.GroupSize;

    /// <param name="rows">The rows of the group (2 to 4, none empty).</param>
    /// <param name="scratch">3·d floats per row.</param>
    /// <param name="xAll">The target factors; rows are read as warm starts and updated.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SolveGroup(
        float* y,
        int d,
        float* gram,
        CsrMatrix interactions,
        ReadOnlySpan<int> rows,
        IalsSolveParameters parameters,
        int steps,
        float* scratch,
        float* xAll)
    {
        var count = rows.Length;
        var x = stackalloc nint[MaxRows];
        var r = stackalloc nint[MaxRows];
        var p = stackalloc nint[MaxRows];
        var ap = stackalloc nint[MaxRows];
        var lambda = stackalloc float[MaxRows];
        var rsOld = stackalloc float[MaxRows];
        var active = stackalloc bool[MaxRows];
        for (var m = 0; m < count; m++)
        {
            x[m] = (nint)(xAll + ((nint)rows[m] * d));
            r[m] = (nint)(scratch + (3 * m * d));
            p[m] = r[m] + (d * sizeof(float));
            ap[m] = p[m] + (d * sizeof(float));
            lambda[m] = parameters.RowLambda(interactions.RowLength(rows[m]));
            active[m] = true;

            // r = −YᵀY·x − λ·x; the sparse part follows in the merged pass.
            var xm = (float*)x[m];
            var rm = (float*)r[m];
            Kernels.SymmetricMatVec(gram, d, xm, rm);
            for (var i = 0; i < d; i++)
            {
                rm[i] = -rm[i] - (lambda[m] * xm[i]);
            }
        }

        MergedPass(y, d, interactions, rows, parameters.Alpha, x, r, active, residual: true);
        for (var m = 0; m < count; m++)
        {
            Buffer.MemoryCopy((float*)r[m], (float*)p[m], d * sizeof(float), d * sizeof(float));
            rsOld[m] = Kernels.Dot((float*)r[m], (float*)r[m], d);
            active[m] = rsOld[m] > 1e-20f;
        }

        for (var step = 0; step < steps; step++)
        {
            var any = false;
            for (var m = 0; m < count; m++)
            {
                if (active[m])
                {
                    any = true;
                    Kernels.SymmetricMatVec(gram, d, (float*)p[m], (float*)ap[m]);
                    Kernels.Axpy(lambda[m], (float*)p[m], (float*)ap[m], d);
                }
            }

            if (!any)
            {
                return;
            }

            MergedPass(y, d, interactions, rows, parameters.Alpha, p, ap, active, residual: false);
            for (var m = 0; m < count; m++)
            {
                if (!active[m])
                {
                    continue;
                }

                var pm = (float*)p[m];
                var apm = (float*)ap[m];
                var rm = (float*)r[m];
                var pAp = Kernels.Dot(pm, apm, d);
                if (!(pAp > 0f))
                {
                    active[m] = false;
                    continue;
                }

                var stepSize = rsOld[m] / pAp;
                Kernels.Axpy(stepSize, pm, (float*)x[m], d);
                Kernels.Axpy(-stepSize, apm, rm, d);
                var rsNew = Kernels.Dot(rm, rm, d);
                var beta = rsNew / rsOld[m];
                for (var i = 0; i < d; i++)
                {
                    pm[i] = rm[i] + (beta * pm[i]);
                }

                rsOld[m] = rsNew;
                active[m] = rsNew > 1e-20f;
            }
        }
    }

    /// <summary>
    /// For every active row m and each of its columns in ascending order: the residual pass adds
    /// [c − (c−1)(y·v_m)]·y to acc_m, the A·p pass adds (c−1)(y·v_m)·y (skipping c = 1).
    /// </summary>
    private static void MergedPass(float* y, int d, CsrMatrix interactions, ReadOnlySpan<int> rows, float alpha, nint* v, nint* acc, bool* active, bool residual)
    {
        var count = rows.Length;
        var cursor = stackalloc int[MaxRows];
        var end = stackalloc int[MaxRows];
        for (var m = 0; m < count; m++)
        {
            cursor[m] = interactions.RowPointers[rows[m]];
            end[m] = active[m] ? interactions.RowPointers[rows[m] + 1] : cursor[m];
        }

        var columns = interactions.ColumnIndices;
        var values = interactions.Values;
        fixed (int* indices = columns)
        fixed (float* weights = values)
        {
            while (true)
            {
                var next = int.MaxValue;
                for (var m = 0; m < count; m++)
                {
                    if (cursor[m] < end[m] && indices[cursor[m]] < next)
                    {
                        next = indices[cursor[m]];
                    }
                }

                if (next == int.MaxValue)
                {
                    return;
                }

                var yk = y + ((nint)next * d);
                for (var m = 0; m < count; m++)
                {
                    var k = cursor[m];
                    if (k >= end[m] || indices[k] != next)
                    {
                        continue;
                    }

                    cursor[m] = k + 1;
                    if (k + ConjugateGradientSolver.PrefetchDistance < end[m])
                    {
                        Kernels.Prefetch(y + ((nint)indices[k + ConjugateGradientSolver.PrefetchDistance] * d), d);
                    }

                    var extra = alpha * weights[k];
                    if (residual)
                    {
                        ConjugateGradientSolver.DotThenAxpy(yk, (float*)v[m], (float*)acc[m], d, extra, 1f + extra);
                    }
                    else if (extra != 0f)
                    {
                        ConjugateGradientSolver.DotThenAxpy(yk, (float*)v[m], (float*)acc[m], d, -extra, 0f);
                    }
                }
            }
        }
    }
}
