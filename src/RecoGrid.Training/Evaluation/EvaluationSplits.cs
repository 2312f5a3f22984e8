using RecoGrid.Training.Data;

namespace RecoGrid.Training.Evaluation;

/// <summary>The offline protocols: strong generalization, random per-user holdout and a global time split.</summary>
public static class EvaluationSplits
{
    /// <summary>
    /// Strong generalization (Liang et al. 2018): a seeded <paramref name="heldOutUserFraction"/> of users is removed
    /// from training. Each held-out user's interactions are first restricted to items that occur in training, then a
    /// seeded floor(<paramref name="targetFraction"/>·n) of them become targets and the rest are folded in; users with
    /// fewer than <paramref name="minItemsToSplit"/> such items are not evaluated.
    /// </summary>
    public static EvaluationSplit StrongGeneralization(
        CsrMatrix userItems,
        int seed,
        double heldOutUserFraction = 0.2,
        double targetFraction = 0.2,
        int minItemsToSplit = 5) =>
        StrongGeneralization(userItems, seed, heldOutUserFraction, targetFraction, minItemsToSplit, out _);

    /// <summary>
    /// <see cref="StrongGeneralization(CsrMatrix, int, double, double, int)"/>, also giving which rows of
    /// <paramref name="userItems"/> were held out (true) and so are rows of the fold-in and target matrices, in order.
    /// </summary>
    internal static EvaluationSplit StrongGeneralization(
        CsrMatrix userItems,
        int seed,
        double heldOutUserFraction,
        double targetFraction,
        int minItemsToSplit,
        out bool[] heldOut)
    {
        CheckFraction(heldOutUserFraction, nameof(heldOutUserFraction));
        CheckFraction(targetFraction, nameof(targetFraction));
        var random = new Random(seed);
        var users = userItems.Rows;
        var order = Permutation(random, users);
        var heldOutCount = (int)Math.Round(heldOutUserFraction * users);
        heldOut = new bool[users];
        for (var i = 0; i < heldOutCount; i++)
        {
            heldOut[order[i]] = true;
        }

        var train = new CsrBuilder(userItems.Columns);
        var inTraining = new bool[userItems.Columns];
        for (var u = 0; u < users; u++)
        {
            if (!heldOut[u])
            {
                train.AddSortedRow(userItems.RowIndices(u), userItems.RowValues(u));
                foreach (var item in userItems.RowIndices(u))
                {
                    inTraining[item] = true;
                }
            }
        }

        var foldIn = new CsrBuilder(userItems.Columns);
        var targets = new CsrBuilder(userItems.Columns);
        var known = new List<(int, float)>();
        var hidden = new List<(int, float)>();
        var candidates = new List<(int Item, float Value)>();

        // Held-out users in ascending id order, each drawing from the same seeded stream.
        for (var u = 0; u < users; u++)
        {
            if (!heldOut[u])
            {
                continue;
            }

            candidates.Clear();
            var items = userItems.RowIndices(u);
            var values = userItems.RowValues(u);
            for (var k = 0; k < items.Length; k++)
            {
                if (inTraining[items[k]])
                {
                    candidates.Add((items[k], values[k]));
                }
            }

            known.Clear();
            hidden.Clear();
            var targetCount = candidates.Count >= minItemsToSplit ? (int)(targetFraction * candidates.Count) : 0;
            if (targetCount > 0)
            {
                var picks = Permutation(random, candidates.Count);
                for (var k = 0; k < candidates.Count; k++)
                {
                    (k < targetCount ? hidden : known).Add(candidates[picks[k]]);
                }
            }
            else
            {
                known.AddRange(candidates);
            }

            foldIn.AddRow(known);
            targets.AddRow(hidden);
        }

        return new EvaluationSplit(train.Build(), foldIn.Build(), targets.Build());
    }

    /// <summary>
    /// Random per-user holdout: every user trains; a seeded floor(<paramref name="targetFraction"/>·n) of each user's
    /// items (users with at least <paramref name="minItemsToSplit"/>) become targets, restricted to items that still
    /// occur in training. The remaining items are both training data and the user's known items.
    /// </summary>
    public static EvaluationSplit RandomHoldout(CsrMatrix userItems, int seed, double targetFraction = 0.2, int minItemsToSplit = 5)
    {
        CheckFraction(targetFraction, nameof(targetFraction));
        var random = new Random(seed);
        var users = userItems.Rows;
        var isTarget = new bool[userItems.NonZeros];
        for (var u = 0; u < users; u++)
        {
            var length = userItems.RowLength(u);
            var targetCount = length >= minItemsToSplit ? (int)(targetFraction * length) : 0;
            if (targetCount == 0)
            {
                continue;
            }

            var picks = Permutation(random, length);
            for (var k = 0; k < targetCount; k++)
            {
                isTarget[userItems.RowPointers[u] + picks[k]] = true;
            }
        }

        return SplitByMask(userItems, isTarget);
    }

    /// <summary>
    /// Global time split: the last <paramref name="targetFraction"/> of all interactions by time (ties broken by
    /// position) become targets; everything earlier trains. <paramref name="timestamps"/> is aligned with
    /// <see cref="CsrMatrix.Values"/>. Only users with earlier interactions are evaluated, on target items seen in training.
    /// </summary>
    public static EvaluationSplit TimeSplit(CsrMatrix userItems, ReadOnlySpan<long> timestamps, double targetFraction = 0.2)
    {
        CheckFraction(targetFraction, nameof(targetFraction));
        if (timestamps.Length != userItems.NonZeros)
        {
            throw new ArgumentException($"timestamps must have one entry per interaction ({userItems.NonZeros}).", nameof(timestamps));
        }

        var order = new int[timestamps.Length];
        for (var k = 0; k < order.Length; k++)
        {
            order[k] = k;
        }

        var keys = timestamps.ToArray();
        Array.Sort(keys, order);

        // Array.Sort is unstable; re-sort equal-timestamp runs by position so the cut is deterministic.
        for (var start = 0; start < keys.Length;)
        {
            var end = start + 1;
            while (end < keys.Length && keys[end] == keys[start])
            {
                end++;
            }

            Array.Sort(order, start, end - start);
            start = end;
        }

        var isTarget = new bool[userItems.NonZeros];
        var targetCount = (int)(targetFraction * order.Length);
        for (var k = order.Length - targetCount; k < order.Length; k++)
        {
            isTarget[order[k]] = true;
        }

        return SplitByMask(userItems, isTarget);
    }

    /// <summary>Train = non-target entries; fold-in = the same rows; targets restricted to items in training, for users with training rows.</summary>
    private static EvaluationSplit SplitByMask(CsrMatrix userItems, bool[] isTarget)
    {
        var inTraining = new bool[userItems.Columns];
        for (var k = 0; k < isTarget.Length; k++)
        {
            if (!isTarget[k])
            {
                inTraining[userItems.ColumnIndices[k]] = true;
            }
        }

        var train = new CsrBuilder(userItems.Columns);
        var targets = new CsrBuilder(userItems.Columns);
        var kept = new List<(int, float)>();
        var hidden = new List<(int, float)>();
        for (var u = 0; u < userItems.Rows; u++)
        {
            kept.Clear();
            hidden.Clear();
            for (var k = userItems.RowPointers[u]; k < userItems.RowPointers[u + 1]; k++)
            {
                var entry = (userItems.ColumnIndices[k], userItems.Values[k]);
                if (!isTarget[k])
                {
                    kept.Add(entry);
                }
                else if (inTraining[entry.Item1])
                {
                    hidden.Add(entry);
                }
            }

            if (kept.Count == 0)
            {
                hidden.Clear();
            }

            train.AddRow(kept);
            targets.AddRow(hidden);
        }

        var trainMatrix = train.Build();
        return new EvaluationSplit(trainMatrix, trainMatrix, targets.Build());
    }

    private static int[] Permutation(Random random, int count)
    {
        var order = new int[count];
        for (var i = 0; i < count; i++)
        {
            order[i] = i;
        }

        // Fisher–Yates with an explicit loop: Random.Shuffle's draw sequence is not a documented contract.
        for (var i = count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }

        return order;
    }

    private static void CheckFraction(double fraction, string name)
    {
        if (!(fraction > 0 && fraction < 1))
        {
            throw new ArgumentOutOfRangeException(name, fraction, $"{name} must be strictly between 0 and 1.");
        }
    }
}
