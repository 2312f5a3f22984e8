using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace RecoGrid.Training.Linalg;

/// <summary>
/// Single-threaded packed matrix multiply C += α·op(A)·op(B) for row-major float matrices, in the
/// GotoBLAS shape: B packed in 16-column slivers that stay in L1, A in 6-row slivers in L2, and a 6×16
/// register-blocked FMA micro-kernel. Callers parallelize over independent output tiles.
/// </summary>
internal static unsafe class Gemm
{
    public const int Mr = 6;
    public const int Nr = 16;
    private const int Kc = 256;
    private const int Mc = 120;
    private const int Nc = 512;

    /// <summary>Scratch for one thread's packed panels.</summary>
    public sealed class Workspace
    {
        public float[] PackedA { get; } = new float[Mc * Kc];

        public float[] PackedB { get; } = new float[Nc * Kc];
    }

    /// <summary>
    /// C[m×n] += α·op(A)·op(B) where op(A)[r, k] = transA ? a[k·lda + r] : a[r·lda + k]
    /// and op(B)[k, c] = transB ? b[c·ldb + k] : b[k·ldb + c].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Multiply(
        int m, int n, int k, float alpha,
        float* a, int lda, bool transA,
        float* b, int ldb, bool transB,
        float* c, int ldc,
        Workspace workspace)
    {
        if (m <= 0 || n <= 0 || k <= 0)
        {
            return;
        }

        fixed (float* packedA = workspace.PackedA)
        fixed (float* packedB = workspace.PackedB)
        {
            for (var jc = 0; jc < n; jc += Nc)
            {
                var nc = Math.Min(Nc, n - jc);
                for (var pc = 0; pc < k; pc += Kc)
                {
                    var kc = Math.Min(Kc, k - pc);
                    PackB(b, ldb, transB, pc, jc, kc, nc, packedB);
                    for (var ic = 0; ic < m; ic += Mc)
                    {
                        var mc = Math.Min(Mc, m - ic);
                        PackA(a, lda, transA, ic, pc, mc, kc, packedA);
                        for (var jr = 0; jr < nc; jr += Nr)
                        {
                            var nr = Math.Min(Nr, nc - jr);
                            var bSliver = packedB + ((nint)jr * kc);
                            for (var ir = 0; ir < mc; ir += Mr)
                            {
                                var mr = Math.Min(Mr, mc - ir);
                                MicroKernel(
                                    kc,
                                    packedA + ((nint)ir * kc),
                                    bSliver,
                                    c + ((nint)(ic + ir) * ldc) + jc + jr,
                                    ldc,
                                    mr,
                                    nr,
                                    alpha);
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>Packs op(B)[pc.., jc..] as consecutive 16-column slivers, each kc rows of 16, zero-padded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackB(float* b, int ldb, bool transB, int pc, int jc, int kc, int nc, float* packed)
    {
        for (var jr = 0; jr < nc; jr += Nr)
        {
            var nr = Math.Min(Nr, nc - jr);
            var dst = packed + ((nint)jr * kc);
            if (!transB && nr == Nr)
            {
                for (var p = 0; p < kc; p++)
                {
                    var src = b + ((nint)(pc + p) * ldb) + jc + jr;
                    Vector256.Load(src).Store(dst + (p * Nr));
                    Vector256.Load(src + 8).Store(dst + (p * Nr) + 8);
                }

                continue;
            }

            for (var p = 0; p < kc; p++)
            {
                var row = dst + (p * Nr);
                for (var j = 0; j < Nr; j++)
                {
                    row[j] = j >= nr ? 0f
                        : transB ? b[((nint)(jc + jr + j) * ldb) + pc + p]
                        : b[((nint)(pc + p) * ldb) + jc + jr + j];
                }
            }
        }
    }

    /// <summary>Packs op(A)[ic.., pc..] as consecutive 6-row slivers, each kc columns of 6, zero-padded.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackA(float* a, int lda, bool transA, int ic, int pc, int mc, int kc, float* packed)
    {
        for (var ir = 0; ir < mc; ir += Mr)
        {
            var mr = Math.Min(Mr, mc - ir);
            var dst = packed + ((nint)ir * kc);
            if (transA)
            {
                for (var p = 0; p < kc; p++)
                {
                    var src = a + ((nint)(pc + p) * lda) + ic + ir;
                    var col = dst + (p * Mr);
                    for (var i = 0; i < Mr; i++)
                    {
                        col[i] = i < mr ? src[i] : 0f;
                    }
                }

                continue;
            }

            for (var i = 0; i < Mr; i++)
            {
                if (i >= mr)
                {
                    for (var p = 0; p < kc; p++)
                    {
                        dst[(p * Mr) + i] = 0f;
                    }

                    continue;
                }

                var src = a + ((nint)(ic + ir + i) * lda) + pc;
                for (var p = 0; p < kc; p++)
                {
                    dst[(p * Mr) + i] = src[p];
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MicroKernel(int kc, float* a, float* b, float* c, int ldc, int mr, int nr, float alpha)
    {
        var c00 = Vector256<float>.Zero;
        var c01 = Vector256<float>.Zero;
        var c10 = Vector256<float>.Zero;
        var c11 = Vector256<float>.Zero;
        var c20 = Vector256<float>.Zero;
        var c21 = Vector256<float>.Zero;
        var c30 = Vector256<float>.Zero;
        var c31 = Vector256<float>.Zero;
        var c40 = Vector256<float>.Zero;
        var c41 = Vector256<float>.Zero;
        var c50 = Vector256<float>.Zero;
        var c51 = Vector256<float>.Zero;
        for (var p = 0; p < kc; p++, a += Mr, b += Nr)
        {
            var b0 = Vector256.Load(b);
            var b1 = Vector256.Load(b + 8);
            var s = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(s, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(s, b1, c01);
            s = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(s, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(s, b1, c11);
            s = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(s, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(s, b1, c21);
            s = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(s, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(s, b1, c31);
            s = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(s, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(s, b1, c41);
            s = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(s, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(s, b1, c51);
        }

        var va = Vector256.Create(alpha);
        if (mr == Mr && nr == Nr)
        {
            AddRow(c, c00, c01, va);
            AddRow(c + ldc, c10, c11, va);
            AddRow(c + (2 * ldc), c20, c21, va);
            AddRow(c + (3 * ldc), c30, c31, va);
            AddRow(c + (4 * ldc), c40, c41, va);
            AddRow(c + (5 * ldc), c50, c51, va);
            return;
        }

        var tile = stackalloc float[Mr * Nr];
        (c00 * va).Store(tile);
        (c01 * va).Store(tile + 8);
        (c10 * va).Store(tile + 16);
        (c11 * va).Store(tile + 24);
        (c20 * va).Store(tile + 32);
        (c21 * va).Store(tile + 40);
        (c30 * va).Store(tile + 48);
        (c31 * va).Store(tile + 56);
        (c40 * va).Store(tile + 64);
        (c41 * va).Store(tile + 72);
        (c50 * va).Store(tile + 80);
        (c51 * va).Store(tile + 88);
        for (var i = 0; i < mr; i++)
        {
            for (var j = 0; j < nr; j++)
            {
                c[((nint)i * ldc) + j] += tile[(i * Nr) + j];
            }
        }
    }

    private static void AddRow(float* c, Vector256<float> left, Vector256<float> right, Vector256<float> alpha)
    {
        Vector256.FusedMultiplyAdd(left, alpha, Vector256.Load(c)).Store(c);
        Vector256.FusedMultiplyAdd(right, alpha, Vector256.Load(c + 8)).Store(c + 8);
    }
}
