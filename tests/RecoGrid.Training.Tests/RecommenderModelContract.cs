using RecoGrid.Training.Data;
using RecoGrid.Training.Models;

namespace RecoGrid.Training.Tests;

/// <summary>
/// What every <see cref="IRecommenderModel"/> promises evaluation and serving, whatever it is. Each model's test class
/// derives from this (or from <see cref="PersonalizedRecommenderContract"/>) and supplies a fresh instance.
/// </summary>
public abstract class RecommenderModelContract
{
    protected const int Clusters = 6;

    protected const int Items = 120;

    /// <summary>The planted data every contract test fits on: item i belongs to cluster i mod <see cref="Clusters"/>.</summary>
    protected static readonly CsrMatrix Planted = PlantedData.Clustered(users: 400, items: Items, clusters: Clusters, seed: 17);

    /// <summary>A new, unfitted model.</summary>
    protected abstract IRecommenderModel CreateModel();

    protected IRecommenderModel Fitted(CsrMatrix? data = null)
    {
        var model = CreateModel();
        model.Fit(data ?? Planted);
        return model;
    }

    protected static float[] Scores(IRecommenderModel model, CsrMatrix users, int row, int items = Items)
    {
        var scores = new float[items];
        model.Score(users.RowIndices(row), users.RowValues(row), scores);
        return scores;
    }

    [Fact]
    public void TheModelHasAName() => Assert.False(string.IsNullOrWhiteSpace(CreateModel().Name));

    [Fact]
    public void ScoringWritesOneFiniteScorePerItemAndNothingBeyond()
    {
        var model = Fitted();
        var scores = new float[Items + 1];
        scores[Items] = -12345f;

        model.Score(Planted.RowIndices(3), Planted.RowValues(3), scores);

        Assert.All(scores.AsSpan(0, Items).ToArray(), s => Assert.True(float.IsFinite(s), $"score {s}"));
        Assert.Equal(-12345f, scores[Items]);
    }

    [Fact]
    public void ScoringTheSameUserTwiceGivesTheSameBits()
    {
        var model = Fitted();

        Assert.Equal(Scores(model, Planted, 11), Scores(model, Planted, 11));
    }

    [Fact]
    public void ConcurrentScoringGivesTheSameScoresAsOneAtATime()
    {
        var model = Fitted();
        var sequential = Enumerable.Range(0, Planted.Rows).Select(u => Scores(model, Planted, u)).ToArray();
        var parallel = new float[Planted.Rows][];

        Parallel.For(0, Planted.Rows * 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, k =>
        {
            var user = k % Planted.Rows;
            var scores = Scores(model, Planted, user);
            if (k >= Planted.Rows * 3)
            {
                parallel[user] = scores;
            }
        });

        for (var u = 0; u < Planted.Rows; u++)
        {
            Assert.Equal(sequential[u], parallel[u]);
        }
    }

    [Fact]
    public void FittingTwiceOnTheSameDataGivesTheSameScores() =>
        Assert.Equal(Scores(Fitted(), Planted, 5), Scores(Fitted(), Planted, 5));

    [Fact]
    public void RefittingReplacesThePreviousFit()
    {
        // Different users and a smaller catalogue: nothing of the first fit may survive the second.
        var other = PlantedData.Clustered(users: 150, items: 70, clusters: 5, seed: 99);
        var refitted = CreateModel();
        refitted.Fit(Planted);
        refitted.Fit(other);

        var fresh = Fitted(other);

        for (var u = 0; u < 20; u++)
        {
            Assert.Equal(Scores(fresh, other, u, items: 70), Scores(refitted, other, u, items: 70));
        }
    }

    [Fact]
    public void AUserWithNoKnownItemsGetsFiniteScores()
    {
        var model = Fitted();
        var scores = new float[Items];

        model.Score([], [], scores);

        Assert.All(scores, s => Assert.True(float.IsFinite(s), $"score {s}"));
    }

    [Fact]
    public void AnItemNobodyInteractedWithStillGetsAFiniteScore()
    {
        // Column Items is empty in training: a catalogue item that has not been bought yet.
        var widened = new CsrMatrix(Planted.Rows, Items + 1, Planted.RowPointers, Planted.ColumnIndices, Planted.Values);
        var model = Fitted(widened);

        var scores = Scores(model, widened, 0, items: Items + 1);

        Assert.All(scores, s => Assert.True(float.IsFinite(s), $"score {s}"));
    }

    [Fact]
    public void FittingLeavesTheTrainingMatrixUnchanged()
    {
        var data = PlantedData.Clustered(users: 200, items: Items, clusters: Clusters, seed: 4);
        var pointers = (int[])data.RowPointers.Clone();
        var indices = (int[])data.ColumnIndices.Clone();
        var values = (float[])data.Values.Clone();

        Fitted(data);

        Assert.Equal(pointers, data.RowPointers);
        Assert.Equal(indices, data.ColumnIndices);
        Assert.Equal(values, data.Values);
    }

    [Fact]
    public void FittingWithACancelledTokenThrows()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => CreateModel().Fit(Planted, cancelled.Token));
    }
}

/// <summary>The contract of a model whose scores depend on the user's known items.</summary>
public abstract class PersonalizedRecommenderContract : RecommenderModelContract
{
    /// <summary>A user who knows the <paramref name="count"/> most popular items of one planted cluster.</summary>
    private static CsrMatrix ClusterUser(int cluster, int count)
    {
        var items = Enumerable.Range(0, count).Select(k => cluster + (k * Clusters)).ToArray();
        return new CsrMatrix(1, Items, [0, count], items, [.. items.Select(_ => 1f)]);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(5)]
    public void AUsersPlantedClusterRanksFarAboveChance(int cluster)
    {
        var model = Fitted();
        var user = ClusterUser(cluster, count: 5);
        var scores = Scores(model, user, 0);

        // The top 10 items the user does not know yet: by chance 1 in 6 would be from the user's cluster.
        var known = user.ColumnIndices.ToHashSet();
        var top = Enumerable.Range(0, Items).Where(i => !known.Contains(i)).OrderByDescending(i => scores[i]).ThenBy(i => i).Take(10).ToArray();
        var share = top.Count(i => i % Clusters == cluster) / 10.0;

        Assert.True(share >= 0.6, $"cluster {cluster}: {share:P0} of the top 10 ({string.Join(", ", top)})");
    }

    [Fact]
    public void UsersOfDifferentClustersGetDifferentScores()
    {
        var model = Fitted();

        Assert.NotEqual(Scores(model, ClusterUser(1, 5), 0), Scores(model, ClusterUser(2, 5), 0));
    }
}

public sealed class IalsRecommenderContractTests : PersonalizedRecommenderContract
{
    protected override IRecommenderModel CreateModel() =>
        new IalsRecommender(new IalsOptions { Factors = 16, Iterations = 8, Alpha = 5f, Lambda = 1f, Threads = 2, Seed = 11 });
}

public sealed class EaseRecommenderContractTests : PersonalizedRecommenderContract
{
    protected override IRecommenderModel CreateModel() => new EaseRecommender(lambda: 50f, threads: 2);
}

public sealed class PopularityRecommenderContractTests : RecommenderModelContract
{
    protected override IRecommenderModel CreateModel() => new PopularityRecommender();

    [Fact]
    public void EveryUserGetsTheSameScores()
    {
        var model = Fitted();

        Assert.Equal(Scores(model, Planted, 0), Scores(model, Planted, 1));
        Assert.Equal(Scores(model, Planted, 0), Scores(model, new CsrMatrix(1, Items, [0, 0], [], []), 0));
    }

    [Fact]
    public void ScoresAreTheNumberOfTrainingUsersOfEachItem()
    {
        var scores = Scores(Fitted(), Planted, 0);

        for (var i = 0; i < Items; i++)
        {
            var users = Enumerable.Range(0, Planted.Rows).Count(u => Planted.RowIndices(u).Contains(i));
            Assert.Equal(users, scores[i]);
        }
    }
}
