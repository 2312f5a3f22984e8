using System.Runtime.CompilerServices;

namespace RecoGrid.Training.Linalg;

/// <summary>
/// Cholesky factorization and solves for small dense SPD systems (d up to a few hundred), row-major, in place;
/// the per-row iALS solve and fold-in are built on it. Works on the upper triangle: A = Uᵀ·U with U = Lᵀ, so
/// that every inner loop is a contiguous row operation.
/// </summary>
public static unsafe class DenseCholesky
{
    /// <summary>
    /// Overwrites the upper triangle of the row-major n×n matrix <paramref name="a"/> (which must hold A there) with U,
    /// A = Uᵀ·U. The strict lower triangle is used as scratch. Returns false if A is not numerically positive definite.
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

    /// <summary>Solves Uᵀ·U·x = b in place, given the factor from <see cref="Factor(Span{float}, int)"/>.</summary>
    public static void Solve(ReadOnlySpan<float> factor, int n, Span<float> b)
    {
        if (factor.Length < n * n || b.Length < n)
        {
            throw new ArgumentException("Factor or right-hand side too short.");
        }

        fixed (float* pu = factor)
        fixed (float* pb = b)
        {
            Solve(pu, n, pb);
        }
    }

    /// <summary>Right-looking factorization of the upper triangle.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static bool Factor(float* a, int n)
    {
        for (var k = 0; k < n; k++)
        {
            var rowK = a + ((nint)k * n);
            var pivot = rowK[k];
            if (!(pivot > 0f))
            {
                return false;
            }

            var diagonal = MathF.Sqrt(pivot);
            rowK[k] = diagonal;
            var scale = 1f / diagonal;
            for (var j = k + 1; j < n; j++)
            {
                rowK[j] *= scale;
            }

            // Trailing update A[i, i..] −= U[k, i]·U[k, i..]. Starting at a multiple of 8 keeps every update a whole
            // number of vectors; the few entries left of the diagonal that this also touches are scratch.
            for (var i = k + 1; i < n; i++)
            {
                var start = i & ~7;
                Kernels.Axpy(-rowK[i], rowK + start, a + ((nint)i * n) + start, n - start);
            }
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Solve(float* u, int n, float* b)
    {
        // Uᵀ·z = b: once z_k is known, remove its contribution from the later equations (row k of U).
        for (var k = 0; k < n; k++)
        {
            var row = u + ((nint)k * n);
            b[k] /= row[k];
            Kernels.Axpy(-b[k], row + k + 1, b + k + 1, n - k - 1);
        }

        // U·x = z by back substitution over contiguous rows.
        for (var i = n - 1; i >= 0; i--)
        {
            var row = u + ((nint)i * n);
            b[i] = (b[i] - Kernels.Dot(row + i + 1, b + i + 1, n - i - 1)) / row[i];
        }
    }
}
