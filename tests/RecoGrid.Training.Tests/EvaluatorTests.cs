using RecoGrid.Training.Evaluation;
using RecoGrid.Training.Models;

namespace RecoGrid.Training.Tests;

public sealed class EvaluatorTests
{
    [Fact]
    public void EveryProtocolProducesTheDocumentedMetricKeys()
    {
        var data = PlantedData.Clustered(users: 200, items: 100, seed: 2);
        var timestamps = Enumerable.Range(0, data.NonZeros).Select(k => (long)(k * 7919 % 1000)).ToArray();
        foreach (var protocol in Enum.GetValues<EvaluationProtocol>())
        {
            var options = new EvaluationOptions { Protocol = protocol, Seeds = 2, Ks = [10, 20], Threads = 2 };
            var result = Evaluator.Run(new PopularityRecommender(), data, options, timestamps);
            Assert.True(result.EvaluatedUsers > 0, protocol.ToString());
            foreach (var name in new[] { "recall", "ndcg", "map", "hitrate", "coverage" })
            {
                Assert.InRange(result.Metrics[$"{name}@10"], 0, 1);
                Assert.InRange(result.Metrics[$"{name}@20"], 0, 1);
            }

            Assert.Equal(protocol == EvaluationProtocol.TimeSplit ? 1 : 2, result.PerSplit.Count);
        }
    }

    [Fact]
    public void TheTimeSplitNeedsTimestamps()
    {
        var data = PlantedData.Clustered(users: 50, items: 40);
        var options = new EvaluationOptions { Protocol = EvaluationProtocol.TimeSplit };
        Assert.Throws<ArgumentException>(() => Evaluator.Run(new PopularityRecommender(), data, options));
    }

    [Fact]
    public void ScoringIsIndependentOfTheThreadCount()
    {
        var data = PlantedData.Clustered(users: 300, items: 120, seed: 8);
        var split = EvaluationSplits.StrongGeneralization(data, seed: 1);
        var model = new IalsRecommender(new IalsOptions { Factors = 8, Iterations = 4, Threads = 2 });
        model.Fit(split.Train);
        var one = Evaluator.Score(model, split, [20], threads: 1);
        var two = Evaluator.Score(model, split, [20], threads: 2);
        Assert.Equal(one.Metrics, two.Metrics);
    }
}
