using RecoGrid.Training.Evaluation;

namespace RecoGrid.Training.Tests;

public sealed class MetricTests
{
    // Ranking 10, 20, 30, 40, 50 against targets {20, 50, 60}: hits at positions 2 and 5.
    private static readonly int[] Ranked = [10, 20, 30, 40, 50];
    private static readonly int[] Targets = [20, 50, 60];

    [Fact]
    public void RecallDividesHitsByTheSmallerOfKAndTheTargetCount()
    {
        Assert.Equal(1.0 / 2, RankingMetrics.Recall(Ranked, Targets, 2), 12);
        Assert.Equal(2.0 / 3, RankingMetrics.Recall(Ranked, Targets, 5), 12);
        Assert.Equal(0, RankingMetrics.Recall(Ranked, Targets, 1), 12);
    }

    [Fact]
    public void NdcgMatchesAHandComputedValue()
    {
        var dcg = (1 / Math.Log2(3)) + (1 / Math.Log2(6));
        var ideal = 1 + (1 / Math.Log2(3)) + (1 / Math.Log2(4));
        Assert.Equal(dcg / ideal, RankingMetrics.Ndcg(Ranked, Targets, 5), 12);

        // At K = 2 only the hit at position 2 counts and the ideal has two hits.
        Assert.Equal((1 / Math.Log2(3)) / (1 + (1 / Math.Log2(3))), RankingMetrics.Ndcg(Ranked, Targets, 2), 12);
        Assert.Equal(1, RankingMetrics.Ndcg([20, 50, 60], Targets, 3), 12);
    }

    [Fact]
    public void MapAveragesPrecisionAtEachHit()
    {
        Assert.Equal(((1.0 / 2) + (2.0 / 5)) / 3, RankingMetrics.AveragePrecision(Ranked, Targets, 5), 12);
        Assert.Equal((1.0 / 2) / 2, RankingMetrics.AveragePrecision(Ranked, Targets, 2), 12);
    }

    [Fact]
    public void HitRateIsOneWhenAnyTargetIsInTheTopK()
    {
        Assert.Equal(0, RankingMetrics.HitRate(Ranked, Targets, 1));
        Assert.Equal(1, RankingMetrics.HitRate(Ranked, Targets, 2));
    }

    [Fact]
    public void CombinedComputationMatchesTheSingleMetrics()
    {
        int[] ks = [1, 2, 5, 10];
        var output = new double[4 * ks.Length];
        RankingMetrics.Compute(Ranked, Targets, ks, output);
        for (var j = 0; j < ks.Length; j++)
        {
            Assert.Equal(RankingMetrics.Recall(Ranked, Targets, ks[j]), output[4 * j], 12);
            Assert.Equal(RankingMetrics.Ndcg(Ranked, Targets, ks[j]), output[(4 * j) + 1], 12);
            Assert.Equal(RankingMetrics.AveragePrecision(Ranked, Targets, ks[j]), output[(4 * j) + 2], 12);
            Assert.Equal(RankingMetrics.HitRate(Ranked, Targets, ks[j]), output[(4 * j) + 3], 12);
        }
    }

    [Fact]
    public void CoverageCountsDistinctRecommendedItems()
    {
        int[][] rankings = [[0, 1, 2], [1, 3, 4], [1, 0, 5]];
        Assert.Equal(2.0 / 10, RankingMetrics.Coverage(rankings, 1, 10), 12);
        Assert.Equal(6.0 / 10, RankingMetrics.Coverage(rankings, 3, 10), 12);
    }

    [Fact]
    public void TopKReturnsTheBestItemsInOrderWithoutExcludedOnes()
    {
        float[] scores = [0.5f, 0.9f, 0.1f, 0.9f, 0.7f, float.NaN, 0.8f];
        var result = new int[4];
        var count = TopK.Select(scores, 4, [3], result);
        Assert.Equal(4, count);
        Assert.Equal([1, 6, 4, 0], result);

        // Ties go to the lower index.
        count = TopK.Select(scores, 2, [], result);
        Assert.Equal(2, count);
        Assert.Equal([1, 3], result[..2]);
    }

    [Fact]
    public void TopKMatchesAFullSortOnRandomScores()
    {
        var random = new Random(1);
        var scores = Enumerable.Range(0, 5000).Select(_ => (float)random.Next(1000)).ToArray();
        int[] excluded = [3, 10, 999, 4000];
        var result = new int[100];
        var count = TopK.Select(scores, 100, excluded, result);
        var expected = Enumerable.Range(0, scores.Length)
            .Where(i => !excluded.Contains(i))
            .OrderByDescending(i => scores[i])
            .ThenBy(i => i)
            .Take(100)
            .ToArray();
        Assert.Equal(100, count);
        Assert.Equal(expected, result);
    }

    [Fact]
    public void EvaluatorAveragesHandComputedMetricsOverUsers()
    {
        // Two evaluation users scored by a fixed ranking model; the fold-in item is excluded from the ranking.
        var foldIn = PlantedData.FromRows([new Dictionary<int, float> { [0] = 1 }, new Dictionary<int, float> { [4] = 1 }], 6);
        var targets = PlantedData.FromRows([new Dictionary<int, float> { [2] = 1 }, new Dictionary<int, float> { [5] = 1 }], 6);
        var split = new EvaluationSplit(foldIn, foldIn, targets);
        var model = new FixedScores([6, 5, 4, 3, 2, 1]);
        var result = Evaluator.Score(model, split, [1, 2], threads: 2);

        // User 0 ranks 1, 2, 3, 4, 5 → target 2 at position 2. User 1 ranks 0, 1, 2, 3, 5 → target 5 at position 5.
        Assert.Equal(0, result.Metrics["recall@1"], 12);
        Assert.Equal(0.5, result.Metrics["recall@2"], 12);
        Assert.Equal(0.5 / Math.Log2(3), result.Metrics["ndcg@2"], 12);
        Assert.Equal(0.25, result.Metrics["map@2"], 12);
        Assert.Equal(0.5, result.Metrics["hitrate@2"], 12);
        Assert.Equal(2.0 / 6, result.Metrics["coverage@1"], 12);
        Assert.Equal(3.0 / 6, result.Metrics["coverage@2"], 12);
        Assert.Equal(2, result.EvaluatedUsers);
    }

    private sealed class FixedScores(float[] scores) : Models.IRecommenderModel
    {
        public string Name => "fixed";

        public void Fit(Data.CsrMatrix trainUserItems, CancellationToken ct = default)
        {
        }

        public void Score(ReadOnlySpan<int> foldInItems, ReadOnlySpan<float> foldInValues, Span<float> output) => scores.CopyTo(output);
    }
}
