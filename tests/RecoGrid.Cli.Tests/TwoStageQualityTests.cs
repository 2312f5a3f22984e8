using RecoGrid.Cli.Offline;
using RecoGrid.Training.Data;
using RecoGrid.Training.Evaluation;
using RecoGrid.Training.Models;

namespace RecoGrid.Cli.Tests;

/// <summary>Two-stage retrieval against exact scoring of the same iALS model on MovieLens ml-latest-small (5 seeds).</summary>
public sealed class TwoStageQualityTests
{
    [MovieLensSmallFact]
    public void TwoStageRecallAt20AndNdcgAt100AreWithinOnePercentOfExactScoringOnMovieLens()
    {
        var data = InteractionLoader.Load(MovieLensSmallFactAttribute.Path!, new InteractionLoadOptions { MinValue = 3.5f, MinUserInteractions = 5 });
        var options = new EvaluationOptions { Seeds = 5, Ks = [20, 100], Threads = 2 };
        var tuned = new IalsOptions { Factors = 64, Iterations = 15, Alpha = 2.910075f, Lambda = 0.009431206f, Threads = 2, ComputeLoss = false };
        var exact = new List<EvaluationResult>();
        var twoStage = new List<EvaluationResult>();
        for (var seed = 0; seed < options.Seeds; seed++)
        {
            var split = Evaluator.MakeSplit(data.UserItems, options, options.Seed + seed, data.Timestamps);
            var ials = new IalsRecommender(tuned);
            ials.Fit(split.Train);
            using var served = new TwoStageRecommender(ials, count: 100);
            served.Prepare();
            exact.Add(Evaluator.Score(ials, split, options.Ks, options.Threads));
            twoStage.Add(Evaluator.Score(served, split, options.Ks, options.Threads));
        }

        var e = Evaluator.Average(exact).Metrics;
        var t = Evaluator.Average(twoStage).Metrics;
        foreach (var metric in new[] { "recall@20", "ndcg@100" })
        {
            Assert.True(t[metric] >= 0.99 * e[metric], $"{metric}: two-stage {t[metric]:F4}, exact {e[metric]:F4}");
        }
    }
}

/// <summary>
/// A test that needs MovieLens ml-latest-small: <c>RECOGRID_MOVIELENS_SMALL</c> (its ratings.csv), else
/// <c>../shared/datasets/ml-latest-small/ratings.csv</c> beside the repository; skipped, saying so, when absent.
/// </summary>
public sealed class MovieLensSmallFactAttribute : FactAttribute
{
    public MovieLensSmallFactAttribute()
    {
        if (Path is null)
        {
            Skip = "MovieLens ml-latest-small is absent: set RECOGRID_MOVIELENS_SMALL to its ratings.csv, or put it at ../shared/datasets/ml-latest-small/ beside the repository.";
        }
    }

    public static string? Path { get; } = Find();

    private static string? Find()
    {
        if (Environment.GetEnvironmentVariable("RECOGRID_MOVIELENS_SMALL") is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : null;
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "RecoGrid.sln")))
            {
                var candidate = System.IO.Path.Combine(dir.FullName, "..", "shared", "datasets", "ml-latest-small", "ratings.csv");
                return File.Exists(candidate) ? System.IO.Path.GetFullPath(candidate) : null;
            }
        }

        return null;
    }
}
