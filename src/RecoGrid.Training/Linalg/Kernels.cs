using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace RecoGrid.Training.Linalg;

/// <summary>
/// Hand-written SIMD kernels for the hot loops of the row solvers, where the fixed cost of a
/// general-purpose call per 64-float vector would be comparable to the work itself.
/// </summary>
internal static unsafe class Kernels
{
    /// <summary>Dot product of two length-<paramref name="n"/> vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(float* a, float* b, int n)
    {
        var i = 0;
        var acc0 = Vector256<float>.Zero;
        var acc1 = Vector256<float>.Zero;
        for (; i <= n - 16; i += 16)
        {
            acc0 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i), Vector256.Load(b + i), acc0);
            acc1 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i + 8), Vector256.Load(b + i + 8), acc1);
        }

        if (i <= n - 8)
        {
            acc0 = Vector256.FusedMultiplyAdd(Vector256.Load(a + i), Vector256.Load(b + i), acc0);
            i += 8;
        }

        var sum = Vector256.Sum(acc0 + acc1);
        for (; i < n; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    /// <summary>Hints the cache to load the n floats at <paramref name="address"/>; a no-op without SSE.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Prefetch(float* address, int n)
    {
        if (!Sse.IsSupported)
        {
            return;
        }

        var bytes = (byte*)address;
        for (var offset = 0; offset < n * sizeof(float); offset += 64)
        {
            Sse.Prefetch0(bytes + offset);
        }
    }

    /// <summary><c>y += s * x</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Axpy(float s, float* x, float* y, int n)
    {
        var i = 0;
        var vs = Vector256.Create(s);
        for (; i <= n - 8; i += 8)
        {
            Vector256.FusedMultiplyAdd(vs, Vector256.Load(x + i), Vector256.Load(y + i)).Store(y + i);
        }

        for (; i < n; i++)
        {
            y[i] += s * x[i];
        }
    }

    /// <summary>
    /// <c>result = g · p</c> for a symmetric row-major d×d <paramref name="g"/>. Uses the column form
    /// (Σ_j p_j g[j, :], valid by symmetry) so that a block of the result stays in registers while g streams by.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void SymmetricMatVec(float* g, int d, float* p, float* result)
    {
        var c = 0;

        // Eight independent accumulators cover the FMA latency of two pipes.
        for (; c <= d - 64; c += 64)
        {
            var a0 = Vector256<float>.Zero;
            var a1 = Vector256<float>.Zero;
            var a2 = Vector256<float>.Zero;
            var a3 = Vector256<float>.Zero;
            var a4 = Vector256<float>.Zero;
            var a5 = Vector256<float>.Zero;
            var a6 = Vector256<float>.Zero;
            var a7 = Vector256<float>.Zero;
            var row = g + c;
            for (var j = 0; j < d; j++, row += d)
            {
                var pj = Vector256.Create(p[j]);
                a0 = Vector256.FusedMultiplyAdd(pj, Vector256.Load(row), a0);
                a1 = Vector256.FusedMultiplyAdd(pj, Vector256.Load(row + 8), a1);
                a2 = Vector256.FusedMultiplyAdd(pj, Vector256.Load(row + 16), a2);
                a3 = Vector256.FusedMultiplyAdd(pj, Vector256.Load(row + 24), a3);
                a4 = Vector256.FusedMultiplyAdd(pj, Vector256.Load(row + 32), a4);
                a5 = Vector256.FusedMultiplyAdd(pj, Vector256.Load(row + 40), a5);
                a6 = Vector256.FusedMultiplyAdd(pj, Vector256.Load(row + 48), a6);
                a7 = Vector256.FusedMultiplyAdd(pj, Vector256.Load(row + 56), a7);
            }

            a0.Store(result + c);
            a1.Store(result + c + 8);
            a2.Store(result + c + 16);
            a3.Store(result + c + 24);
            a4.Store(result + c + 32);
            a5.Store(result + c + 40);
            a6.Store(result + c + 48);
            a7.Store(result + c + 56);
        }

        for (; c <= d - 32; c += 32)
        {
            var a0 = Vector256<float>.Zero;
            var a1 = Vector256<float>.Zero;
            var a2 = Vector256<float>.Zero;
            var a3 = Vector256<float>.Zero;
            var row = g + c;
            for (var j = 0; j < d; j++, row += d)
            {
                var pj = Vector256.Create(p[j]);
                a0 = Vector256.FusedMultiplyAdd(pj, Vector256.Load(row), a0);
                a1 = Vector256.FusedMultiplyAdd(pj, Vector256.Load(row + 8), a1);
                a2 = Vector256.FusedMultiplyAdd(pj, Vector256.Load(row + 16), a2);
                a3 = Vector256.FusedMultiplyAdd(pj, Vector256.Load(row + 24), a3);
            }

            a0.Store(result + c);
            a1.Store(result + c + 8);
            a2.Store(result + c + 16);
            a3.Store(result + c + 24);
        }

        for (; c <= d - 8; c += 8)
        {
            var a0 = Vector256<float>.Zero;
            var row = g + c;
            for (var j = 0; j < d; j++, row += d)
            {
                a0 = Vector256.FusedMultiplyAdd(Vector256.Create(p[j]), Vector256.Load(row), a0);
            }

            a0.Store(result + c);
        }

        for (; c < d; c++)
        {
            result[c] = Dot(g + ((nint)c * d), p, d);
        }
    }
}
