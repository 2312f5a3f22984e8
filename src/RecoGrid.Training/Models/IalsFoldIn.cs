using System.Buffers;
using RecoGrid.Training.Artifacts;
using RecoGrid.Training.Linalg;
using RecoGrid.Training.Solvers;

namespace RecoGrid.Training.Models;

/// <summary>
/// The one iALS fold-in: computes a user's vector from fixed item factors, the exact user half-step for one user.
/// Used for evaluation users, for users unseen at training time and for real-time updates, so it is immutable and
/// safe to share between threads, and a solve allocates nothing for d ≤ 64 (it rents the d×d scratch above that).
/// </summary>
public sealed unsafe class IalsFoldIn
{
    private const int StackLimitFactors = 64;

    private readonly float[] _itemFactors;
    private readonly float[] _itemGram;

    /// <summary>Wraps item factors and their Gram matrix; the arrays are kept, not copied, and must not change.</summary>
    /// <param name="itemFactors">Row-major item factors (items × <paramref name="factors"/>).</param>
    /// <param name="itemGram">YᵀY of <paramref name="itemFactors"/> (<paramref name="factors"/>², row-major).</param>
    /// <param name="parameters">The constants the item factors were trained with.</param>
    public IalsFoldIn(float[] itemFactors, int factors, float[] itemGram, IalsSolveParameters parameters)
    {
        ArgumentNullException.ThrowIfNull(itemFactors);
        ArgumentNullException.ThrowIfNull(itemGram);
        ArgumentOutOfRangeException.ThrowIfLessThan(factors, 1);
        if (itemFactors.Length % factors != 0)
        {
            throw new ArgumentException($"itemFactors has {itemFactors.Length} floats, not a whole number of {factors}-factor rows.", nameof(itemFactors));
        }

        if (itemGram.Length != factors * factors)
        {
            throw new ArgumentException($"itemGram must be {factors} × {factors}.", nameof(itemGram));
        }

        _itemFactors = itemFactors;
        _itemGram = itemGram;
        Factors = factors;
        Items = itemFactors.Length / factors;
        Parameters = parameters;
    }

    /// <summary>Latent dimension d.</summary>
    public int Factors { get; }

    /// <summary>Number of item rows.</summary>
    public int Items { get; }

    /// <summary>The iALS constants every solve uses.</summary>
    public IalsSolveParameters Parameters { get; }

    /// <summary>Item factors, items × d, row-major.</summary>
    public ReadOnlySpan<float> ItemFactors => _itemFactors;

    /// <summary>YᵀY of the item factors, d×d, row-major.</summary>
    public ReadOnlySpan<float> ItemGram => _itemGram;

    /// <summary>
    /// Builds the fold-in of a loaded artifact: its item factors, their Gram matrix (computed here, the O(items·d²)
    /// part) and the solve parameters its manifest records.
    /// </summary>
    public static IalsFoldIn FromArtifact(ModelArtifact artifact, int threads)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        var model = artifact.Manifest.Model;
        if (model is not null && !string.Equals(model, ArtifactManifest.IalsModel, StringComparison.OrdinalIgnoreCase))
        {
            throw new ModelArtifactException(artifact.Directory, null, $"it holds a '{model}' model; fold-in needs iALS factors.");
        }

        var gram = GramMatrix.Compute(artifact.ItemFactors, artifact.ItemIds.Count, artifact.Factors, Math.Max(1, threads));
        return new IalsFoldIn(artifact.ItemFactors, artifact.Factors, gram, artifact.Manifest.SolveParameters);
    }

    /// <summary>
    /// Solves (YᵀY + Σ (c−1)·y·yᵀ + λ_u·I)·x = Σ c·y with c = 1 + α·weight and λ_u = λ·(|items| + 1)^ν.
    /// A user without items gets the zero vector.
    /// </summary>
    /// <param name="items">Item indices the user interacted with (distinct).</param>
    /// <param name="weights">Interaction weights aligned with <paramref name="items"/>.</param>
    /// <param name="result">Receives the user vector (length at least <see cref="Factors"/>).</param>
    public void SolveUser(ReadOnlySpan<int> items, ReadOnlySpan<float> weights, Span<float> result)
    {
        if (items.Length != weights.Length)
        {
            throw new ArgumentException("items and weights must have the same length.", nameof(weights));
        }

        if (result.Length < Factors)
        {
            throw new ArgumentException($"result needs {Factors} entries.", nameof(result));
        }

        foreach (var item in items)
        {
            if ((uint)item >= (uint)Items)
            {
                throw new ArgumentOutOfRangeException(nameof(items), item, $"Item index outside [0, {Items}).");
            }
        }

        var d = Factors;
        var lambdaUser = Parameters.RowLambda(items.Length);
        var size = d * d;
        float[]? rented = null;
        var scratch = d <= StackLimitFactors ? stackalloc float[size] : (rented = ArrayPool<float>.Shared.Rent(size));
        try
        {
            fixed (float* y = _itemFactors)
            fixed (float* g = _itemGram)
            fixed (float* a = scratch)
            fixed (float* x = result)
            {
                CholeskySolver.SolveRow(y, d, g, items, weights, Parameters.Alpha, lambdaUser, a, x);
            }
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<float>.Shared.Return(rented);
            }
        }
    }

    /// <summary>
    /// Splits fold-in scores exactly over the user's history. The fold-in solves A·u = Σ_j c_j·y_j with
    /// A = YᵀY + Σ_j (c_j−1)·y_j·y_jᵀ + λ_u·I, which depends on the history but not on the item scored, so
    /// score(t) = y_tᵀ·u = Σ_j c_j·y_tᵀ·A⁻¹·y_j: entry [t·h + j] of the result is history item j's share of target t's
    /// score (h = <paramref name="items"/>.Length), and each target's shares sum to its score. Solved in double precision.
    /// </summary>
    /// <param name="items">The history's item indices (distinct), as given to <see cref="SolveUser"/>.</param>
    /// <param name="weights">Their weights, as given to <see cref="SolveUser"/>.</param>
    /// <param name="targets">Item indices whose scores are decomposed.</param>
    public double[] Explain(ReadOnlySpan<int> items, ReadOnlySpan<float> weights, ReadOnlySpan<int> targets)
    {
        if (items.Length != weights.Length)
        {
            throw new ArgumentException("items and weights must have the same length.", nameof(weights));
        }

        var d = Factors;
        var h = items.Length;
        var result = new double[targets.Length * h];
        if (h == 0)
        {
            return result;
        }

        var alpha = Parameters.Alpha;
        var a = new double[d * d];
        for (var i = 0; i < d * d; i++)
        {
            a[i] = _itemGram[i];
        }

        var lambda = Parameters.RowLambda(h);
        for (var i = 0; i < d; i++)
        {
            a[(i * d) + i] += lambda;
        }

        for (var j = 0; j < h; j++)
        {
            var y = Row(items[j]);
            var extra = (double)(alpha * weights[j]);
            for (var r = 0; r < d; r++)
            {
                var scaled = extra * y[r];
                for (var c = 0; c < d; c++)
                {
                    a[(r * d) + c] += scaled * y[c];
                }
            }
        }

        var factor = CholeskyLower(a, d);

        // w_j = c_j·A⁻¹·y_j, one column per history item; then share(t, j) = y_t·w_j.
        var w = new double[h * d];
        for (var j = 0; j < h; j++)
        {
            var column = w.AsSpan(j * d, d);
            var y = Row(items[j]);
            for (var f = 0; f < d; f++)
            {
                column[f] = y[f];
            }

            SolveLower(factor, d, column);
            var confidence = 1d + (alpha * weights[j]);
            for (var f = 0; f < d; f++)
            {
                column[f] *= confidence;
            }
        }

        for (var t = 0; t < targets.Length; t++)
        {
            var yt = Row(targets[t]);
            for (var j = 0; j < h; j++)
            {
                var column = w.AsSpan(j * d, d);
                var sum = 0d;
                for (var f = 0; f < d; f++)
                {
                    sum += yt[f] * column[f];
                }

                result[(t * h) + j] = sum;
            }
        }

        return result;
    }

    private ReadOnlySpan<float> Row(int item)
    {
        if ((uint)item >= (uint)Items)
        {
            throw new ArgumentOutOfRangeException(nameof(item), item, $"Item index outside [0, {Items}).");
        }

        return _itemFactors.AsSpan(item * Factors, Factors);
    }

    /// <summary>L with A = L·Lᵀ (row-major, lower triangle); a tiny ridge is added if A is not positive definite.</summary>
    private static double[] CholeskyLower(double[] a, int n)
    {
        for (var ridge = 0d; ; ridge = ridge == 0 ? 1e-9 * (Trace(a, n) / n + 1) : ridge * 100)
        {
            var l = new double[n * n];
            var ok = true;
            for (var i = 0; i < n && ok; i++)
            {
                for (var j = 0; j <= i; j++)
                {
                    var sum = a[(i * n) + j] + (i == j ? ridge : 0);
                    for (var k = 0; k < j; k++)
                    {
                        sum -= l[(i * n) + k] * l[(j * n) + k];
                    }

                    if (i == j)
                    {
                        if (sum <= 0)
                        {
                            ok = false;
                            break;
                        }

                        l[(i * n) + i] = Math.Sqrt(sum);
                    }
                    else
                    {
                        l[(i * n) + j] = sum / l[(j * n) + j];
                    }
                }
            }

            if (ok)
            {
                return l;
            }

            if (ridge > 1)
            {
                throw new InvalidOperationException("The fold-in system is not positive definite; use a positive Lambda.");
            }
        }
    }

    private static double Trace(double[] a, int n)
    {
        var trace = 0d;
        for (var i = 0; i < n; i++)
        {
            trace += a[(i * n) + i];
        }

        return trace;
    }

    /// <summary>Solves L·Lᵀ·x = b in place.</summary>
    private static void SolveLower(double[] l, int n, Span<double> b)
    {
        for (var i = 0; i < n; i++)
        {
            var sum = b[i];
            for (var k = 0; k < i; k++)
            {
                sum -= l[(i * n) + k] * b[k];
            }

            b[i] = sum / l[(i * n) + i];
        }

        for (var i = n - 1; i >= 0; i--)
        {
            var sum = b[i];
            for (var k = i + 1; k < n; k++)
            {
                sum -= l[(k * n) + i] * b[k];
            }

            b[i] = sum / l[(i * n) + i];
        }
    }
}
