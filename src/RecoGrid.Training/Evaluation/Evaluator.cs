using RecoGrid.Training.Data;
using RecoGrid.Training.Models;

namespace RecoGrid.Training.Evaluation;

/// <summary>Runs any <see cref="IRecommenderModel"/> through a protocol and computes top-K metrics.</summary>
public static class Evaluator
{
    private const int UsersPerChunk = 64;

    /// <summary>
    /// Splits <paramref name="userItems"/> with the chosen protocol once per seed, fits the model on each training part,
    /// and averages the metrics. <paramref name="timestamps"/> (aligned with the matrix values) is required for the time split.
    /// </summary>
    public static EvaluationResult Run(
        IRecommenderModel model,
        CsrMatrix userItems,
        EvaluationOptions options,
        long[]? timestamps = null,
        CancellationToken ct = default)
    {
        options.Validate();
        var splits = options.Protocol == EvaluationProtocol.TimeSplit ? 1 : options.Seeds;
        var results = new List<EvaluationResult>();
        for (var s = 0; s < splits; s++)
        {
            ct.ThrowIfCancellationRequested();
            var split = MakeSplit(userItems, options, options.Seed + s, timestamps);
            model.Fit(split.Train, ct);
            results.Add(Score(model, split, options.Ks, options.Threads, ct));
        }

        return Average(results);
    }

    /// <summary>Builds the split that <see cref="Run"/> uses for <paramref name="seed"/>.</summary>
    public static EvaluationSplit MakeSplit(CsrMatrix userItems, EvaluationOptions options, int seed, long[]? timestamps = null) =>
        options.Protocol switch
        {
            EvaluationProtocol.StrongGeneralization => EvaluationSplits.StrongGeneralization(
                userItems, seed, options.HeldOutUserFraction, options.TargetFraction, options.MinItemsToSplit),
            EvaluationProtocol.RandomHoldout => EvaluationSplits.RandomHoldout(userItems, seed, options.TargetFraction, options.MinItemsToSplit),
            EvaluationProtocol.TimeSplit => EvaluationSplits.TimeSplit(
                userItems,
                timestamps ?? throw new ArgumentException("The time split needs per-interaction timestamps.", nameof(timestamps)),
                options.TargetFraction),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Protocol, "Unknown EvaluationOptions.Protocol."),
        };

    /// <summary>
    /// Scores an already fitted model on one split: for every evaluation user with targets, ranks all items except the
    /// fold-in items and computes recall, NDCG, MAP and hit rate at each K, plus catalogue coverage.
    /// </summary>
    public static EvaluationResult Score(IRecommenderModel model, EvaluationSplit split, IReadOnlyList<int> ks, int threads, CancellationToken ct = default)
    {
        if (ks.Count == 0 || ks.Any(k => k < 1))
        {
            throw new ArgumentException("ks must be a non-empty list of positive cut-offs.", nameof(ks));
        }

        var cutoffs = ks.Distinct().Order().ToArray();
        var maxK = cutoffs[^1];
        var items = split.Targets.Columns;
        var users = split.Targets.Rows;
        var chunkCount = (users + UsersPerChunk - 1) / UsersPerChunk;
        var sums = new double[chunkCount][];
        var counts = new int[chunkCount];

        // Best (lowest) position at which each item was recommended to anyone, for coverage at every K.
        var bestRank = new int[items];
        Array.Fill(bestRank, int.MaxValue);
        var rankLock = new object();
        Parallel.For(
            0,
            chunkCount,
            new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads), CancellationToken = ct },
            () => (Scores: new float[items], Ranked: new int[maxK], PerUser: new double[4 * cutoffs.Length], Best: new int[items]),
            (chunk, _, scratch) =>
            {
                var sum = new double[4 * cutoffs.Length];
                var count = 0;
                var localBest = scratch.Best;
                Array.Fill(localBest, int.MaxValue);
                var end = Math.Min(users, (chunk + 1) * UsersPerChunk);
                for (var u = chunk * UsersPerChunk; u < end; u++)
                {
                    var targets = split.Targets.RowIndices(u);
                    if (targets.IsEmpty)
                    {
                        continue;
                    }

                    var known = split.FoldIn.RowIndices(u);
                    model.Score(known, split.FoldIn.RowValues(u), scratch.Scores);
                    var n = TopK.Select(scratch.Scores, maxK, known, scratch.Ranked);
                    var ranked = scratch.Ranked.AsSpan(0, n);
                    RankingMetrics.Compute(ranked, targets, cutoffs, scratch.PerUser);
                    for (var m = 0; m < sum.Length; m++)
                    {
                        sum[m] += scratch.PerUser[m];
                    }

                    for (var p = 0; p < n; p++)
                    {
                        localBest[ranked[p]] = Math.Min(localBest[ranked[p]], p);
                    }

                    count++;
                }

                lock (rankLock)
                {
                    for (var i = 0; i < items; i++)
                    {
                        bestRank[i] = Math.Min(bestRank[i], localBest[i]);
                    }
                }

                sums[chunk] = sum;
                counts[chunk] = count;
                return scratch;
            },
            _ => { });

        var total = new double[4 * cutoffs.Length];
        var evaluated = 0;
        for (var chunk = 0; chunk < chunkCount; chunk++)
        {
            evaluated += counts[chunk];
            for (var m = 0; m < total.Length; m++)
            {
                total[m] += sums[chunk][m];
            }
        }

        var metrics = new Dictionary<string, double>();
        for (var j = 0; j < cutoffs.Length; j++)
        {
            for (var m = 0; m < 4; m++)
            {
                metrics[$"{RankingMetrics.PerUserMetricNames[m]}@{cutoffs[j]}"] = evaluated == 0 ? 0 : total[(4 * j) + m] / evaluated;
            }

            var covered = bestRank.Count(rank => rank < cutoffs[j]);
            metrics[$"coverage@{cutoffs[j]}"] = items == 0 ? 0 : (double)covered / items;
        }

        return new EvaluationResult(metrics, evaluated, [metrics]);
    }

    /// <summary>Averages metrics over splits.</summary>
    public static EvaluationResult Average(IReadOnlyList<EvaluationResult> results)
    {
        if (results.Count == 0)
        {
            throw new ArgumentException("Nothing to average.", nameof(results));
        }

        var metrics = new Dictionary<string, double>();
        foreach (var key in results[0].Metrics.Keys)
        {
            metrics[key] = results.Average(r => r.Metrics[key]);
        }

        return new EvaluationResult(metrics, results.Average(r => r.EvaluatedUsers), [.. results.SelectMany(r => r.PerSplit)]);
    }
}
