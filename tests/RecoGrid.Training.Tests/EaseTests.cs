using RecoGrid.Training.Evaluation;
using RecoGrid.Training.Models;

namespace RecoGrid.Training.Tests;

public sealed class EaseTests
{
    [Fact]
    public void EaseOnATinyCaseMatchesTheClosedForm()
    {
        var data = PlantedData.Random(users: 30, items: 8, density: 0.4, seed: 21);
        const float lambda = 2f;
        var ease = new EaseRecommender(lambda, threads: 2);
        ease.Fit(data);

        // Direct computation in double: P = (XᵀX + λI)⁻¹ by Gauss–Jordan, B = I − P·diag(1/diag(P)).
        const int n = 8;
        var g = new double[n, n];
        for (var u = 0; u < data.Rows; u++)
        {
            foreach (var a in data.RowIndices(u))
            {
                foreach (var b in data.RowIndices(u))
                {
                    g[a, b] += 1;
                }
            }
        }

        for (var i = 0; i < n; i++)
        {
            g[i, i] += lambda;
        }

        var p = Invert(g);
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                var expected = (i == j ? 1 : 0) - (p[i, j] / p[j, j]);
                Assert.True(Math.Abs(expected - ease.Weights[(i * n) + j]) < 1e-5, $"B[{i},{j}] {expected} vs {ease.Weights[(i * n) + j]}");
            }
        }

        // Scores are the user's binary row times B.
        var scores = new float[n];
        ease.Score(data.RowIndices(3), data.RowValues(3), scores);
        for (var j = 0; j < n; j++)
        {
            var expected = 0.0;
            foreach (var i in data.RowIndices(3))
            {
                expected += ease.Weights[(i * n) + j];
            }

            Assert.Equal(expected, scores[j], 5);
        }
    }

    [Fact]
    public void EaseBeatsPopularityOnPlantedData()
    {
        var data = PlantedData.Clustered();
        var options = new EvaluationOptions { Seeds = 1, Ks = [20], Threads = 2 };
        var ease = Evaluator.Run(new EaseRecommender(50f, threads: 2), data, options).Metrics["recall@20"];
        var popularity = Evaluator.Run(new PopularityRecommender(), data, options).Metrics["recall@20"];
        Assert.True(ease > 2 * popularity, $"EASE {ease} vs popularity {popularity}");
    }

    [Fact]
    public void EaseRefusesCataloguesAboveTheLimit()
    {
        var data = new Data.CsrMatrix(1, EaseRecommender.MaxItems + 1, [0, 0], [], []);
        var error = Assert.Throws<NotSupportedException>(() => new EaseRecommender().Fit(data));
        Assert.Contains("30,000", error.Message, StringComparison.Ordinal);
    }

    private static double[,] Invert(double[,] matrix)
    {
        var n = matrix.GetLength(0);
        var a = (double[,])matrix.Clone();
        var inverse = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            inverse[i, i] = 1;
        }

        for (var col = 0; col < n; col++)
        {
            var pivot = a[col, col];
            for (var j = 0; j < n; j++)
            {
                a[col, j] /= pivot;
                inverse[col, j] /= pivot;
            }

            for (var row = 0; row < n; row++)
            {
                if (row == col)
                {
                    continue;
                }

                var factor = a[row, col];
                for (var j = 0; j < n; j++)
                {
                    a[row, j] -= factor * a[col, j];
                    inverse[row, j] -= factor * inverse[col, j];
                }
            }
        }

        return inverse;
    }
}
