namespace RecoGrid.Training.Evaluation;

/// <summary>
/// Per-user top-K metrics with binary relevance. Targets are sorted ascending (as in a CSR row); the ranking lists
/// item indices best first. Truncated denominators min(K, |targets|) make a perfect ranking score 1 at every K.
/// </summary>
public static class RankingMetrics
{
    /// <summary>Metric names in the order <see cref="Compute"/> writes them for each K.</summary>
    public static IReadOnlyList<string> PerUserMetricNames { get; } = ["recall", "ndcg", "map", "hitrate"];

    /// <summary>Hits in the top K divided by min(K, |targets|).</summary>
    public static double Recall(ReadOnlySpan<int> ranked, ReadOnlySpan<int> sortedTargets, int k)
    {
        if (sortedTargets.IsEmpty)
        {
            return 0;
        }

        var hits = 0;
        var limit = Math.Min(k, ranked.Length);
        for (var p = 0; p < limit; p++)
        {
            if (sortedTargets.BinarySearch(ranked[p]) >= 0)
            {
                hits++;
            }
        }

        return (double)hits / Math.Min(k, sortedTargets.Length);
    }

    /// <summary>DCG@K (gain 1/log2(position + 1)) divided by the DCG of min(K, |targets|) hits at the top.</summary>
    public static double Ndcg(ReadOnlySpan<int> ranked, ReadOnlySpan<int> sortedTargets, int k)
    {
        if (sortedTargets.IsEmpty)
        {
            return 0;
        }

        double dcg = 0;
        var limit = Math.Min(k, ranked.Length);
        for (var p = 0; p < limit; p++)
        {
            if (sortedTargets.BinarySearch(ranked[p]) >= 0)
            {
                dcg += Discount(p);
            }
        }

        double ideal = 0;
        var idealHits = Math.Min(k, sortedTargets.Length);
        for (var p = 0; p < idealHits; p++)
        {
            ideal += Discount(p);
        }

        return dcg / ideal;
    }

    /// <summary>Average precision at K: Σ over hit positions of precision there, divided by min(K, |targets|).</summary>
    public static double AveragePrecision(ReadOnlySpan<int> ranked, ReadOnlySpan<int> sortedTargets, int k)
    {
        if (sortedTargets.IsEmpty)
        {
            return 0;
        }

        double sum = 0;
        var hits = 0;
        var limit = Math.Min(k, ranked.Length);
        for (var p = 0; p < limit; p++)
        {
            if (sortedTargets.BinarySearch(ranked[p]) >= 0)
            {
                hits++;
                sum += (double)hits / (p + 1);
            }
        }

        return sum / Math.Min(k, sortedTargets.Length);
    }

    /// <summary>1 if any target is in the top K, else 0.</summary>
    public static double HitRate(ReadOnlySpan<int> ranked, ReadOnlySpan<int> sortedTargets, int k)
    {
        var limit = Math.Min(k, ranked.Length);
        for (var p = 0; p < limit; p++)
        {
            if (sortedTargets.BinarySearch(ranked[p]) >= 0)
            {
                return 1;
            }
        }

        return 0;
    }

    /// <summary>Distinct items across all users' top-K lists, divided by the catalogue size.</summary>
    public static double Coverage(IEnumerable<int[]> rankings, int k, int items)
    {
        var seen = new HashSet<int>();
        foreach (var ranking in rankings)
        {
            for (var p = 0; p < Math.Min(k, ranking.Length); p++)
            {
                seen.Add(ranking[p]);
            }
        }

        return items == 0 ? 0 : (double)seen.Count / items;
    }

    /// <summary>
    /// All per-user metrics for every K in one pass over the ranking: output[4·j + m] for K = ks[j] and
    /// m in <see cref="PerUserMetricNames"/> order (recall, ndcg, map, hitrate). Same definitions as the single-metric methods.
    /// </summary>
    public static void Compute(ReadOnlySpan<int> ranked, ReadOnlySpan<int> sortedTargets, ReadOnlySpan<int> ks, Span<double> output)
    {
        output[..(4 * ks.Length)].Clear();
        if (sortedTargets.IsEmpty)
        {
            return;
        }

        for (var j = 0; j < ks.Length; j++)
        {
            var k = ks[j];
            var limit = Math.Min(k, ranked.Length);
            var hits = 0;
            double dcg = 0;
            double precisionSum = 0;
            for (var p = 0; p < limit; p++)
            {
                if (sortedTargets.BinarySearch(ranked[p]) >= 0)
                {
                    hits++;
                    dcg += Discount(p);
                    precisionSum += (double)hits / (p + 1);
                }
            }

            var denominator = Math.Min(k, sortedTargets.Length);
            double ideal = 0;
            for (var p = 0; p < denominator; p++)
            {
                ideal += Discount(p);
            }

            output[(4 * j) + 0] = (double)hits / denominator;
            output[(4 * j) + 1] = dcg / ideal;
            output[(4 * j) + 2] = precisionSum / denominator;
            output[(4 * j) + 3] = hits > 0 ? 1 : 0;
        }
    }

    private static double Discount(int zeroBasedPosition) => 1.0 / Math.Log2(zeroBasedPosition + 2);
}
