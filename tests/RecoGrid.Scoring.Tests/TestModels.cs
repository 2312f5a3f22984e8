using RecoGrid.Scoring.Onnx;

namespace RecoGrid.Scoring.Tests;

/// <summary>Seeded random factors and a plain C# reference scorer to check the ONNX graphs against.</summary>
internal static class TestModels
{
    public static float[] RandomMatrix(int rows, int columns, int seed)
    {
        var random = new Random(seed);
        var values = new float[rows * columns];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }

    public static string[] ItemIds(int items) => Enumerable.Range(0, items).Select(i => $"item-{i}").ToArray();

    public static ScoringModelArtifact Artifact(string version, int items, int factors, int seed) =>
        ItemFactorModelExporter.Export(version, RandomMatrix(items, factors, seed), factors, ItemIds(items));

    public static ScoringOptions Options(Action<ScoringOptions>? configure = null)
    {
        var options = new ScoringOptions { IntraOpThreads = 1, MaxBatchDelay = TimeSpan.Zero };
        configure?.Invoke(options);
        return options;
    }

    /// <summary>Exact scores of every item for one user, in index order.</summary>
    public static double[] ReferenceScores(ReadOnlySpan<float> factors, int items, ReadOnlySpan<float> user)
    {
        var d = user.Length;
        var scores = new double[items];
        for (var i = 0; i < items; i++)
        {
            double sum = 0;
            for (var j = 0; j < d; j++)
            {
                sum += (double)factors[(i * d) + j] * user[j];
            }

            scores[i] = sum;
        }

        return scores;
    }

    /// <summary>Reference top-K scores (descending) among the allowed items.</summary>
    public static double[] ReferenceTopScores(double[] scores, Func<int, bool> allowed, int k) =>
        Enumerable.Range(0, scores.Length).Where(allowed).Select(i => scores[i]).OrderDescending().Take(k).ToArray();

    /// <summary>
    /// Asserts that <paramref name="indices"/>/<paramref name="scores"/> are a correct top-K: each score is the item's
    /// true score, and the i-th score equals the i-th best allowed score (so ties may swap items, nothing else).
    /// </summary>
    public static void AssertTopK(double[] reference, Func<int, bool> allowed, int k, IReadOnlyList<int> indices, IReadOnlyList<float> scores)
    {
        var expected = ReferenceTopScores(reference, allowed, k);
        Assert.Equal(expected.Length, indices.Count);
        for (var i = 0; i < indices.Count; i++)
        {
            Assert.True(allowed(indices[i]), $"Item {indices[i]} at rank {i} is not allowed.");
            Assert.Equal(reference[indices[i]], scores[i], 1e-4);
            Assert.Equal(expected[i], scores[i], 1e-4);
        }

        Assert.Equal(indices.Count, indices.Distinct().Count());
    }
}
