using RecoGrid.Training.Data;
using RecoGrid.Training.Evaluation;

namespace RecoGrid.Training.Tests;

public sealed class SplitTests
{
    [Fact]
    public void StrongGeneralizationHoldsOutTheRightFractionOfUsersAndNeverLeaksTargets()
    {
        var data = PlantedData.Clustered(users: 500, items: 200, seed: 5);
        var split = EvaluationSplits.StrongGeneralization(data, seed: 3);

        Assert.Equal(400, split.Train.Rows);
        Assert.Equal(100, split.FoldIn.Rows);
        Assert.Equal(100, split.Targets.Rows);

        var trainRows = RowSet(split.Train);
        var inTraining = new HashSet<int>(split.Train.ColumnIndices);
        for (var e = 0; e < split.Targets.Rows; e++)
        {
            var foldIn = split.FoldIn.RowIndices(e).ToArray();
            var targets = split.Targets.RowIndices(e).ToArray();

            // Held-out users are not training rows, targets are disjoint from fold-in, and targets are recommendable.
            Assert.DoesNotContain(Key(foldIn, targets), trainRows);
            Assert.Empty(foldIn.Intersect(targets));
            Assert.All(targets, item => Assert.Contains(item, inTraining));
            var total = foldIn.Length + targets.Length;
            Assert.Equal(total >= 5 ? (int)(0.2 * total) : 0, targets.Length);
        }
    }

    [Fact]
    public void StrongGeneralizationDependsOnlyOnTheSeed()
    {
        var data = PlantedData.Clustered(users: 200, items: 100, seed: 5);
        var a = EvaluationSplits.StrongGeneralization(data, seed: 1);
        var b = EvaluationSplits.StrongGeneralization(data, seed: 1);
        var c = EvaluationSplits.StrongGeneralization(data, seed: 2);
        Assert.Equal(a.Targets.ColumnIndices, b.Targets.ColumnIndices);
        Assert.Equal(a.Train.ColumnIndices, b.Train.ColumnIndices);
        Assert.NotEqual(a.Train.ColumnIndices, c.Train.ColumnIndices);
    }

    [Fact]
    public void RandomHoldoutHidesAFifthOfEachUsersItemsFromTraining()
    {
        var data = PlantedData.Clustered(users: 300, items: 150, seed: 6);
        var split = EvaluationSplits.RandomHoldout(data, seed: 4);
        Assert.Equal(data.Rows, split.Train.Rows);
        Assert.Same(split.Train, split.FoldIn);
        for (var u = 0; u < data.Rows; u++)
        {
            var train = split.Train.RowIndices(u).ToArray();
            var targets = split.Targets.RowIndices(u).ToArray();
            Assert.Empty(train.Intersect(targets));
            Assert.True(train.Union(targets).All(i => data.RowIndices(u).Contains(i)));
            Assert.True(targets.Length <= (int)(0.2 * data.RowLength(u)));
            Assert.Equal(data.RowLength(u) - (int)(0.2 * data.RowLength(u)), train.Length);
        }
    }

    [Fact]
    public void TimeSplitHidesTheLatestInteractionsGlobally()
    {
        var data = PlantedData.Random(users: 50, items: 40, density: 0.2, seed: 8);
        var random = new Random(3);
        var timestamps = Enumerable.Range(0, data.NonZeros).Select(_ => (long)random.Next(1000)).ToArray();
        var split = EvaluationSplits.TimeSplit(data, timestamps);
        var cut = data.NonZeros - (int)(0.2 * data.NonZeros);
        Assert.Equal(cut, split.Train.NonZeros);

        var latestTraining = long.MinValue;
        var earliestTarget = long.MaxValue;
        for (var u = 0; u < data.Rows; u++)
        {
            for (var k = data.RowPointers[u]; k < data.RowPointers[u + 1]; k++)
            {
                var item = data.ColumnIndices[k];
                if (split.Train.RowIndices(u).Contains(item))
                {
                    latestTraining = Math.Max(latestTraining, timestamps[k]);
                }
                else if (split.Targets.RowIndices(u).Contains(item))
                {
                    earliestTarget = Math.Min(earliestTarget, timestamps[k]);
                }
            }
        }

        Assert.True(latestTraining <= earliestTarget);
    }

    private static HashSet<string> RowSet(CsrMatrix matrix) =>
        [.. Enumerable.Range(0, matrix.Rows).Select(r => string.Join(',', matrix.RowIndices(r).ToArray()))];

    private static string Key(int[] foldIn, int[] targets) => string.Join(',', foldIn.Concat(targets).Order());
}
