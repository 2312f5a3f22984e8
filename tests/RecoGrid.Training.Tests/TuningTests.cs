using RecoGrid.Training.Evaluation;
using RecoGrid.Training.Models;
using RecoGrid.Training.Tuning;

namespace RecoGrid.Training.Tests;

public sealed class TuningTests
{
    [Fact]
    public void TuningReturnsAConfigurationAtLeastAsGoodAsTheDefaultOnValidation()
    {
        var data = PlantedData.Clustered(users: 400, items: 150, seed: 12);
        var baseOptions = new IalsOptions { Factors = 8, Iterations = 5, Threads = 2, ComputeLoss = false };
        var tuning = new TuningOptions { Trials = 4, Factors = [8, 16], Iterations = [5], Seed = 3, Metric = "recall@20", Ks = [20] };
        var trials = new List<TuningTrial>();
        var result = IalsTuner.Tune(data, baseOptions, tuning, trials.Add);

        Assert.Equal(4, result.Trials.Count);
        Assert.Equal(result.Trials, trials);
        Assert.Equal(baseOptions, result.Trials[0].Options);
        Assert.Equal(result.Trials.Max(t => t.Score), result.BestScore);
        Assert.True(result.BestScore >= result.Trials[0].Score);

        // Re-evaluating the winner on the same validation split reproduces its score.
        var split = EvaluationSplits.StrongGeneralization(data, tuning.Seed);
        var model = new IalsRecommender(result.Best);
        model.Fit(split.Train);
        Assert.Equal(result.BestScore, Evaluator.Score(model, split, [20], 2).Metrics["recall@20"], 10);
    }

    [Fact]
    public void GridSearchEnumeratesTheCartesianProduct()
    {
        var tuning = new TuningOptions
        {
            Strategy = SearchStrategy.Grid,
            IncludeBase = false,
            Factors = [8, 16],
            AlphaGrid = [1f, 2f],
            LambdaGrid = [0.5f],
            Iterations = [3],
        };
        var candidates = IalsTuner.Candidates(new IalsOptions(), tuning).ToList();
        Assert.Equal(4, candidates.Count);
        Assert.Equal(4, candidates.Distinct().Count());
    }

    [Fact]
    public void TuningRejectsAMetricWhoseCutoffIsNotComputed()
    {
        var error = Assert.Throws<ArgumentException>(() => new TuningOptions { Metric = "ndcg@50", Ks = [20] }.Validate());
        Assert.Contains("Metric", error.Message, StringComparison.Ordinal);
    }
}
