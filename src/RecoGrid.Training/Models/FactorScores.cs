using System.Runtime.CompilerServices;
using RecoGrid.Training.Linalg;

namespace RecoGrid.Training.Models;

/// <summary>Dot products of one user vector with every item vector.</summary>
public static unsafe class FactorScores
{
    /// <summary>scores[i] = itemFactors[i, :]·user for every item.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ScoreAll(ReadOnlySpan<float> itemFactors, int factors, ReadOnlySpan<float> user, Span<float> scores)
    {
        var items = itemFactors.Length / factors;
        if (scores.Length < items || user.Length < factors)
        {
            throw new ArgumentException("scores must have one entry per item and user one per factor.");
        }

        fixed (float* y = itemFactors)
        fixed (float* x = user)
        fixed (float* s = scores)
        {
            for (var i = 0; i < items; i++)
            {
                s[i] = Kernels.Dot(y + ((nint)i * factors), x, factors);
            }
        }
    }
}
