using RecoGrid.Training.Data;
using RecoGrid.Training.Evaluation;
using RecoGrid.Training.Models;

namespace RecoGrid.Training.Tests;

/// <summary>The quality bar on MovieLens ml-latest-small under strong generalization (5 seeds), as docs/benchmarks.md records it.</summary>
public sealed class MovieLensQualityTests
{
    [MovieLensFact]
    public void EaseReproducesTheReferenceAndTunedIalsComesWithinThreePercentOfIt()
    {
        var data = InteractionLoader.Load(MovieLensSmall.Path!, new InteractionLoadOptions { MinValue = 3.5f, MinUserInteractions = 5 });
        var options = new EvaluationOptions { Seeds = 5, Ks = [20, 100], Threads = 2 };

        var ease = Evaluator.Run(new EaseRecommender(200f, threads: 2), data.UserItems, options, data.Timestamps).Metrics;
        var tuned = new IalsOptions { Factors = 64, Iterations = 15, Alpha = 2.910075f, Lambda = 0.009431206f, Threads = 2, ComputeLoss = false };
        var ials = Evaluator.Run(new IalsRecommender(tuned), data.UserItems, options, data.Timestamps).Metrics;

        // Reference implementation of this protocol: EASE recall@20 0.320, ndcg@100 0.357.
        Assert.InRange(ease["recall@20"], 0.30, 0.34);
        Assert.InRange(ease["ndcg@100"], 0.34, 0.375);
        Assert.True(ials["recall@20"] >= 0.97 * ease["recall@20"], $"iALS recall@20 {ials["recall@20"]:F4} vs EASE {ease["recall@20"]:F4}");
        Assert.True(ials["ndcg@100"] >= 0.97 * ease["ndcg@100"], $"iALS ndcg@100 {ials["ndcg@100"]:F4} vs EASE {ease["ndcg@100"]:F4}");
    }
}
