using System.Runtime.CompilerServices;
namespace RecoGrid.Training.Linalg;

/// <summary>
/// Unblocked Cholesky factorization and solves for small dense SPD systems (d up to a few hundred),
/// row-major, in place; the per-row iALS solve and fold-in are built on it.
/// </summary>
public static unsafe class DenseCholesky
{
    /// <summary>
    /// Overwrites the lower triangle of the row-major n×n matrix <paramref name="a"/> with L where A = L·Lᵀ
    /// (the strict upper triangle is left untouched). Returns false if A is not numerically positive definite.
    /// </summary>
    public static bool Factor(Span<float> a, int n)
    {
        if (a.Length < n * n)
        {
            throw new ArgumentException($"Expected at least {n * n} entries.", nameof(a));
        }

        fixed (float* pa = a)
        {
            return Factor(pa, n);
        }
    }

    /// <summary>Solves L·Lᵀ·x = b in place, given the factor from <see cref="Factor(Span{float}, int)"/>.</summary>
    public static void Solve(ReadOnlySpan<float> factor, int n, Span<float> b)
    {
        if (factor.Length < n * n || b.Length < n)
        {
            throw new ArgumentException("Factor or right-hand side too short.");
        }

        fixed (float* pl = factor)
        fixed (float* pb = b)
        {
            Solve(pl, n, pb);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool Factor(float* a, int n)
    {
        for (var i = 0; i < n; i++)
        {
            var rowI = a + ((nint)i * n);
            for (var j = 0; j < i; j++)
            {
                var rowJ = a + ((nint)j * n);
                rowI[j] = (rowI[j] - Kernels.Dot(rowI, rowJ, j)) / rowJ[j];
            }

            var diagonal = rowI[i] - Kernels.Dot(rowI, rowI, i);
            if (!(diagonal > 0f))
            {
                return false;
            }

            rowI[i] = MathF.Sqrt(diagonal);
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Solve(float* l, int n, float* b)
    {
        // Forward substitution L·z = b, reading rows of L.
        for (var i = 0; i < n; i++)
        {
            var row = l + ((nint)i * n);
            b[i] = (b[i] - Kernels.Dot(row, b, i)) / row[i];
        }

        // Back substitution Lᵀ·x = z: once x_i is known, remove its contribution (row i of L is column i of Lᵀ).
        for (var i = n - 1; i >= 0; i--)
        {
            var row = l + ((nint)i * n);
            b[i] /= row[i];
            Kernels.Axpy(-b[i], row, b, i);
        }
    }
}
