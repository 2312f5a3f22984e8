using System.Runtime.CompilerServices;
namespace RecoGrid.Training.Linalg;

/// <summary>
/// In-place inverse of a dense symmetric positive-definite matrix through its Cholesky factor:
/// A = L·Lᵀ (left-looking, blocked), W = L⁻¹ (blocked), A⁻¹ = Wᵀ·W. About n³/2 multiply-adds in all,
/// almost all of them in the packed <see cref="Gemm"/> kernel, parallel over output tiles.
/// </summary>
public static unsafe class SpdInverse
{
    private const int BlockSize = 192;

    /// <summary>
    /// Replaces the row-major n×n SPD matrix <paramref name="a"/> (both triangles filled) with its inverse.
    /// Throws <see cref="ArgumentException"/> if the matrix is not numerically positive definite.
    /// </summary>
    public static void Invert(float[] a, int n, int threads)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (a.Length < (long)n * n)
        {
            throw new ArgumentException($"Expected {n} × {n} entries.", nameof(a));
        }

        if (n == 0)
        {
            return;
        }

        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) };
        var blocks = (n + BlockSize - 1) / BlockSize;
        var result = new float[(long)n * n];
        fixed (float* pa = a)
        fixed (float* pr = result)
        {
            // Pointers cannot be captured by lambdas; pass them through nint.
            var addressA = (nint)pa;
            var addressR = (nint)pr;
            Factor(addressA, n, blocks, options);
            InvertLower(addressA, n, blocks, options);
            MultiplyTransposeByItself(addressA, addressR, n, blocks, options);
        }

        Array.Copy(result, a, (long)n * n);
    }

    private static int Start(int block) => block * BlockSize;

    private static int Size(int block, int n) => Math.Min(BlockSize, n - (block * BlockSize));

    /// <summary>Left-looking blocked Cholesky: lower triangle becomes L, strict upper triangle is zeroed.</summary>
    private static void Factor(nint address, int n, int blocks, ParallelOptions options)
    {
        var a = (float*)address;
        for (var j = 0; j < blocks; j++)
        {
            var j0 = Start(j);
            var jb = Size(j, n);

            // Block column j, rows j.. : A[i, j] −= L[i, 0..j0]·L[j, 0..j0]ᵀ.
            if (j0 > 0)
            {
                Parallel.For(j, blocks, options, () => new Gemm.Workspace(), (i, _, ws) =>
                {
                    var m = (float*)address;
                    var i0 = Start(i);
                    Gemm.Multiply(
                        Size(i, n), jb, j0, -1f,
                        m + ((nint)i0 * n), n, false,
                        m + ((nint)j0 * n), n, true,
                        m + ((nint)i0 * n) + j0, n,
                        ws);
                    return ws;
                }, _ => { });
            }

            var diagonal = a + ((nint)j0 * n) + j0;
            if (!FactorTile(diagonal, jb, n))
            {
                throw new ArgumentException("The matrix is not positive definite (increase the regularization).");
            }

            if (j + 1 >= blocks)
            {
                continue;
            }

            // Panel below the diagonal: L[i, j] = A[i, j]·L_jj⁻ᵀ, as a multiply by the explicit tile inverse.
            var inverse = new float[jb * jb];
            fixed (float* pinv = inverse)
            {
                InvertLowerTile(diagonal, jb, n, pinv);
            }

            Parallel.For(j + 1, blocks, options, () => new Gemm.Workspace(), (i, _, ws) =>
            {
                var m = (float*)address;
                var i0 = Start(i);
                var ib = Size(i, n);
                var panel = new float[ib * jb];
                fixed (float* pp = panel)
                fixed (float* pinv = inverse)
                {
                    var tile = m + ((nint)i0 * n) + j0;
                    for (var r = 0; r < ib; r++)
                    {
                        var row = tile + ((nint)r * n);
                        new Span<float>(row, jb).CopyTo(new Span<float>(pp + (r * jb), jb));
                        new Span<float>(row, jb).Clear();
                    }

                    Gemm.Multiply(ib, jb, jb, 1f, pp, jb, false, pinv, jb, true, tile, n, ws);
                }

                return ws;
            }, _ => { });
        }

        for (var i = 0; i < n; i++)
        {
            new Span<float>(a + ((nint)i * n) + i + 1, n - i - 1).Clear();
        }
    }

    /// <summary>Unblocked Cholesky of a tile with leading dimension <paramref name="ld"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool FactorTile(float* a, int size, int ld)
    {
        for (var i = 0; i < size; i++)
        {
            var rowI = a + ((nint)i * ld);
            for (var j = 0; j < i; j++)
            {
                var rowJ = a + ((nint)j * ld);
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

    /// <summary>Inverse of the lower-triangular tile (leading dimension ld) into a dense size×size lower-triangular buffer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void InvertLowerTile(float* l, int size, int ld, float* inverse)
    {
        new Span<float>(inverse, size * size).Clear();
        for (var i = 0; i < size; i++)
        {
            // Row i of L⁻¹: (e_i − Σ_{k<i} L[i,k]·row_k(L⁻¹)) / L[i,i]; rows k < i are complete.
            var li = l + ((nint)i * ld);
            var target = inverse + (i * size);
            for (var k = 0; k < i; k++)
            {
                Kernels.Axpy(-li[k], inverse + (k * size), target, k + 1);
            }

            var scale = 1f / li[i];
            for (var k = 0; k < i; k++)
            {
                target[k] *= scale;
            }

            target[i] = scale;
        }
    }

    /// <summary>
    /// Overwrites lower-triangular L (zero strict upper triangle) with W = L⁻¹, block column by block column from
    /// the right: W[&gt;j, j] = −W[&gt;j, &gt;j]·L[&gt;j, j]·W[j, j].
    /// </summary>
    private static void InvertLower(nint address, int n, int blocks, ParallelOptions options)
    {
        for (var j = blocks - 1; j >= 0; j--)
        {
            var a = (float*)address;
            var j0 = Start(j);
            var jb = Size(j, n);
            var diagonal = a + ((nint)j0 * n) + j0;
            var inverse = new float[jb * jb];
            fixed (float* pinv = inverse)
            {
                InvertLowerTile(diagonal, jb, n, pinv);
            }

            var below = n - j0 - jb;
            if (below > 0)
            {
                // T = W[>j, >j]·L[>j, j] into a panel first: later rows still read L[>j, j].
                var panel = new float[(long)below * jb];
                Parallel.For(j + 1, blocks, options, () => new Gemm.Workspace(), (i, _, ws) =>
                {
                    var m = (float*)address;
                    var i0 = Start(i);
                    var ib = Size(i, n);
                    var k = i0 + ib - (j0 + jb);
                    fixed (float* pp = panel)
                    {
                        Gemm.Multiply(
                            ib, jb, k, 1f,
                            m + ((nint)i0 * n) + j0 + jb, n, false,
                            m + ((nint)(j0 + jb) * n) + j0, n, false,
                            pp + ((nint)(i0 - j0 - jb) * jb), jb,
                            ws);
                    }

                    return ws;
                }, _ => { });

                Parallel.For(j + 1, blocks, options, () => new Gemm.Workspace(), (i, _, ws) =>
                {
                    var m = (float*)address;
                    var i0 = Start(i);
                    var ib = Size(i, n);
                    var tile = m + ((nint)i0 * n) + j0;
                    for (var r = 0; r < ib; r++)
                    {
                        new Span<float>(tile + ((nint)r * n), jb).Clear();
                    }

                    fixed (float* pp = panel)
                    fixed (float* pinv = inverse)
                    {
                        Gemm.Multiply(ib, jb, jb, -1f, pp + ((nint)(i0 - j0 - jb) * jb), jb, false, pinv, jb, false, tile, n, ws);
                    }

                    return ws;
                }, _ => { });
            }

            for (var r = 0; r < jb; r++)
            {
                new Span<float>(inverse, r * jb, r + 1).CopyTo(new Span<float>(diagonal + ((nint)r * n), r + 1));
            }
        }
    }

    /// <summary>result = Wᵀ·W for lower-triangular W: tile (i, j), i ≥ j, sums over block rows k ≥ i; then mirrored.</summary>
    private static void MultiplyTransposeByItself(nint address, nint resultAddress, int n, int blocks, ParallelOptions options)
    {
        var tiles = new List<(int I, int J)>();
        for (var i = 0; i < blocks; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                tiles.Add((i, j));
            }
        }

        Parallel.For(0, tiles.Count, options, () => new Gemm.Workspace(), (t, _, ws) =>
        {
            var w = (float*)address;
            var r = (float*)resultAddress;
            var (i, j) = tiles[t];
            var i0 = Start(i);
            var j0 = Start(j);
            Gemm.Multiply(
                Size(i, n), Size(j, n), n - i0, 1f,
                w + ((nint)i0 * n) + i0, n, true,
                w + ((nint)i0 * n) + j0, n, false,
                r + ((nint)i0 * n) + j0, n,
                ws);
            return ws;
        }, _ => { });

        var result = (float*)resultAddress;
        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                result[((nint)i * n) + j] = result[((nint)j * n) + i];
            }
        }
    }
}
