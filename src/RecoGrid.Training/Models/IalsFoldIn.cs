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
}
