using System.Buffers;

namespace RecoGrid.Training.Solvers;

/// <summary>
/// Computes a user's vector from fixed item factors: the exact iALS user half-step for a single user.
/// Used for users unseen at training time and for real-time updates, so it allocates nothing for d ≤ 64
/// and rents the d×d scratch from the shared pool above that.
/// </summary>
public static unsafe class FoldIn
{
    private const int StackLimitFactors = 64;

    /// <summary>
    /// Solves (YᵀY + Σ (c−1)·y·yᵀ + λ_u·I)·x = Σ c·y with c = 1 + α·weight and λ_u = λ·(|items| + 1)^ν.
    /// </summary>
    /// <param name="itemFactors">Row-major item factors (items × <paramref name="factors"/>).</param>
    /// <param name="itemGram">YᵀY of the item factors (<paramref name="factors"/>²), e.g. <c>IalsModel.ItemGram()</c>.</param>
    /// <param name="items">Item indices the user interacted with (distinct).</param>
    /// <param name="weights">Interaction weights aligned with <paramref name="items"/>.</param>
    /// <param name="result">Receives the user vector (length <paramref name="factors"/>).</param>
    public static void SolveUser(
        ReadOnlySpan<float> itemFactors,
        int factors,
        ReadOnlySpan<float> itemGram,
        ReadOnlySpan<int> items,
        ReadOnlySpan<float> weights,
        float alpha,
        float lambda,
        float regularizationExponent,
        Span<float> result)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(factors, 1);
        if (items.Length != weights.Length)
        {
            throw new ArgumentException("items and weights must have the same length.", nameof(weights));
        }

        if (itemGram.Length < factors * factors || result.Length < factors || itemFactors.Length % factors != 0)
        {
            throw new ArgumentException("itemGram, result and itemFactors must match the number of factors.");
        }

        var itemCount = itemFactors.Length / factors;
        foreach (var item in items)
        {
            if ((uint)item >= (uint)itemCount)
            {
                throw new ArgumentOutOfRangeException(nameof(items), item, $"Item index outside [0, {itemCount}).");
            }
        }

        var lambdaUser = new IalsSolveParameters(alpha, lambda, regularizationExponent).RowLambda(items.Length);
        var size = factors * factors;
        float[]? rented = null;
        var scratch = factors <= StackLimitFactors ? stackalloc float[size] : (rented = ArrayPool<float>.Shared.Rent(size));
        try
        {
            fixed (float* y = itemFactors)
            fixed (float* g = itemGram)
            fixed (float* a = scratch)
            fixed (float* x = result)
            {
                CholeskySolver.SolveRow(y, factors, g, items, weights, alpha, lambdaUser, a, x);
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
