using RecoGrid.Training.Linalg;
using RecoGrid.Training.Models;
using RecoGrid.Training.Solvers;

namespace RecoGrid.Training.Tests;

/// <summary>The exact decomposition of fold-in scores over the user's confidence-weighted history.</summary>
public sealed class FoldInExplanationTests
{
    private static IalsFoldIn FoldIn(int items, int factors, float alpha, float lambda, float exponent, int seed)
    {
        var random = new Random(seed);
        var y = new float[items * factors];
        for (var i = 0; i < y.Length; i++)
        {
            y[i] = (float)((random.NextDouble() * 2) - 1) * 0.3f;
        }

        var gram = GramMatrix.Compute(y, items, factors, 1);
        return new IalsFoldIn(y, factors, gram, new IalsSolveParameters { Alpha = alpha, Lambda = lambda, RegularizationExponent = exponent });
    }

    [Theory]
    [InlineData(8, 1f, 0.1f, 0f)]
    [InlineData(32, 10f, 0.5f, 0.5f)]
    [InlineData(64, 40f, 1f, 1f)]
    public void EachItemsContributionsSumToItsFoldInScore(int factors, float alpha, float lambda, float exponent)
    {
        var foldIn = FoldIn(items: 200, factors, alpha, lambda, exponent, seed: factors);
        int[] history = [3, 50, 51, 120, 199, 7];
        float[] weights = [1f, 2f, 0.5f, 4f, 1f, 3f];
        var user = new float[factors];
        foldIn.SolveUser(history, weights, user);
        int[] targets = [0, 3, 10, 77, 150];

        var shares = foldIn.Explain(history, weights, targets);

        for (var t = 0; t < targets.Length; t++)
        {
            var score = 0d;
            for (var f = 0; f < factors; f++)
            {
                score += foldIn.ItemFactors[(targets[t] * factors) + f] * user[f];
            }

            var sum = shares.AsSpan(t * history.Length, history.Length).ToArray().Sum();
            Assert.True(Math.Abs(sum - score) <= 1e-4 * Math.Max(1, Math.Abs(score)), $"target {targets[t]}: shares sum to {sum}, score is {score}");
        }
    }

    [Fact]
    public void AnItemTheUserInteractedWithMoreContributesMore()
    {
        var foldIn = FoldIn(items: 50, factors: 8, alpha: 5f, lambda: 0.1f, exponent: 0f, seed: 1);

        // The same item scored against itself: with more weight its own share grows.
        var light = foldIn.Explain([4, 9], [1f, 1f], [4]);
        var heavy = foldIn.Explain([4, 9], [5f, 1f], [4]);

        Assert.True(heavy[0] > light[0]);
    }

    [Fact]
    public void AnEmptyHistoryExplainsNothing() =>
        Assert.Empty(FoldIn(items: 10, factors: 4, alpha: 1f, lambda: 0.1f, exponent: 0f, seed: 2).Explain([], [], [1, 2]));
}
