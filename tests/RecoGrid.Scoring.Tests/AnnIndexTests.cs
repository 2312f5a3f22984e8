using System.Numerics.Tensors;
using RecoGrid.Scoring.Onnx;
using RecoGrid.Scoring.Retrieval;
using RecoGrid.Training.Synthetic;

namespace RecoGrid.Scoring.Tests;

public sealed class AnnIndexTests(PlantedCatalogue catalogue) : IClassFixture<PlantedCatalogue>
{
    [Fact]
    public void TheUsearchNativeLibraryLoadsOnThisMachine()
    {
        Assert.StartsWith("2.", AnnIndex.LibraryVersion, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(catalogue.Index.HardwareAcceleration));
        Assert.Equal(PlantedCatalogue.Items, catalogue.Index.Count);
        Assert.True(catalogue.Index.MemoryBytes > 0);
    }

    [Fact]
    public void TwoStageRecallAt100AgainstExactScoringIsAtLeast95PercentOnPlantedData()
    {
        using var model = ScoringModel.Load(catalogue.Artifact, TestModels.Options());
        var indices = new int[256];
        var scores = new float[256];
        double recall = 0;
        for (var user = 0; user < PlantedCatalogue.Users; user++)
        {
            var found = catalogue.Index.Search(catalogue.User(user).Span, 256, indices, scores);
            var ranked = model.RunCandidates(catalogue.User(user).Span, 1, [indices[..found]], 100)[0];
            recall += ranked.Indices.Intersect(catalogue.ExactTop(user, 100)).Count() / 100.0;
        }

        recall /= PlantedCatalogue.Users;
        Assert.True(recall >= 0.95, $"recall@100 of 256 ANN candidates ranked by the candidate graph was {recall:F4}");
    }

    [Fact]
    public void ApproximateScoresAreTheItemsInnerProducts()
    {
        var indices = new int[50];
        var scores = new float[50];
        var found = catalogue.Index.Search(catalogue.User(0).Span, 50, indices, scores);
        var exact = catalogue.Scores(0);

        Assert.Equal(50, found);
        for (var i = 0; i < found; i++)
        {
            Assert.Equal(exact[indices[i]], scores[i], 2e-3f);
        }

        Assert.Equal(scores.OrderDescending(), scores);
    }

    [Fact]
    public void AFilteredSearchReturnsOnlyItemsTheFilterAccepts()
    {
        var indices = new int[40];
        var scores = new float[40];

        var found = catalogue.Index.Search(catalogue.User(1).Span, 40, indices, scores, filter: item => item % 10 == 3);

        Assert.True(found >= 20, $"only {found} items found");
        Assert.All(indices[..found], item => Assert.Equal(3, item % 10));
        var best = catalogue.ExactTop(1, 10, item => item % 10 == 3);
        Assert.True(indices[..found].Intersect(best).Count() >= 9);
    }

    [Fact]
    public async Task AnIndexSavedWithTheModelIsMemoryMappedOnLoadWithItsParametersAndAnswersTheSame()
    {
        var directory = Path.Combine(Path.GetTempPath(), "recogrid-ann-" + Guid.NewGuid().ToString("N"));
        try
        {
            await catalogue.Artifact.SaveAsync(directory);
            using var loaded = await ScoringModelArtifact.LoadAsync(directory, "planted", PlantedCatalogue.Factors);
            var view = loaded.AnnIndex!;

            Assert.True(view.IsView);
            Assert.Equal(catalogue.Index.Info.Parameters, view.Info.Parameters);
            Assert.Equal(PlantedCatalogue.Items, view.Info.Items);
            Assert.Equal(new FileInfo(Path.Combine(directory, AnnIndex.FileName)).Length, view.Info.FileBytes);
            Assert.True(AnnIndexInfo.Read(Path.Combine(directory, AnnIndex.InfoFileName)).BuildSeconds > 0);
            var built = new int[30];
            var mapped = new int[30];
            var scores = new float[30];
            for (var user = 0; user < 5; user++)
            {
                catalogue.Index.Search(catalogue.User(user).Span, 30, built, scores);
                view.Search(catalogue.User(user).Span, 30, mapped, scores);
                Assert.Equal(built, mapped);
            }

            using var model = ScoringModel.Load(loaded, TestModels.Options());
            Assert.Same(view, model.AnnIndex);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void AnIndexBuiltByTwoThreadsPastItsSingleThreadedCoreStrandsNoUser()
    {
        // 60,000 items: the first 20,000 (the longest vectors) are added by one thread, the other 40,000 by two.
        const int items = 60_000, factors = 16, users = 80;
        var planted = new SyntheticFactors(new SyntheticFactorOptions { Items = items, Users = users, Factors = factors, Seed = 5 });
        var itemFactors = planted.Items(threads: 2);
        var userFactors = planted.Users(threads: 2);
        long reported = 0;
        var gate = new Lock();
        var progress = new SynchronousProgress(added =>
        {
            lock (gate)
            {
                reported = Math.Max(reported, added);
            }
        });
        using var index = AnnIndex.Build(itemFactors, factors, AnnIndexParameters.Default, progress: progress, buildThreads: 2);

        Assert.Equal(2, index.Info.BuildThreads);
        Assert.Equal(items, index.Count);
        Assert.Equal(items, reported);
        Assert.Equal(20_000, AnnIndex.SeedItems(items));
        var indices = new int[200];
        var scores = new float[200];
        var recalls = new List<double>();
        for (var user = 0; user < users; user++)
        {
            var query = userFactors.AsSpan(user * factors, factors);
            var exact = new float[items];
            for (var i = 0; i < items; i++)
            {
                exact[i] = TensorPrimitives.Dot(query, itemFactors.AsSpan(i * factors, factors));
            }

            var truth = Enumerable.Range(0, items).OrderByDescending(i => exact[i]).Take(50).ToHashSet();
            var found = index.Search(query, 200, indices, scores);
            var ranked = indices[..found].OrderByDescending(i => exact[i]).Take(50);
            recalls.Add(ranked.Count(truth.Contains) / 50.0);
        }

        Assert.True(recalls.Average() >= 0.95, $"mean recall@50 of 200 candidates was {recalls.Average():F4}");
        Assert.True(recalls.Min() >= 0.8, $"a user was stranded: recall@50 {recalls.Min():F4} (all: {string.Join(' ', recalls.Select(r => r.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)))})");
    }

    [Fact]
    public void CancellingABuildStopsEveryBuildThreadWithOperationCanceled()
    {
        const int items = 60_000, factors = 16;
        var itemFactors = new SyntheticFactors(new SyntheticFactorOptions { Items = items, Users = 1, Factors = factors, Seed = 6 }).Items(threads: 2);
        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress(added =>
        {
            if (added > AnnIndex.SeedItems(items) + 5_000)
            {
                cancel.Cancel();
            }
        });

        Assert.ThrowsAny<OperationCanceledException>(() => AnnIndex.Build(itemFactors, factors, AnnIndexParameters.Default, progress: progress, cancellationToken: cancel.Token, buildThreads: 2));
    }

    /// <summary>Reports on the reporting thread (<see cref="Progress{T}"/> would post to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }

    [Fact]
    public void InvalidParametersAreRejectedNamingTheParameter()
    {
        var errors = new AnnIndexParameters { Metric = "cosine", Connectivity = 1, ExpansionSearch = 0, Quantization = "i8" }.Validate();

        Assert.Contains(errors, e => e.StartsWith("metric", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("connectivity", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("expansion_search", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("quantization", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => AnnIndex.Build(new float[8], 2, new AnnIndexParameters { Connectivity = 1 }));
    }
}
