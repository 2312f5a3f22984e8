using RecoGrid.Scoring.Onnx;
using RecoGrid.Scoring.Retrieval;

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
