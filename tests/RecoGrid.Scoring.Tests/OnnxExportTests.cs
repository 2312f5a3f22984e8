using RecoGrid.Scoring.Onnx;

namespace RecoGrid.Scoring.Tests;

public sealed class OnnxExportTests
{
    private const int Items = 300;
    private const int Factors = 12;
    private static readonly float[] ItemFactors = TestModels.RandomMatrix(Items, Factors, seed: 7);

    private static ScoringModel LoadModel()
    {
        using var artifact = ItemFactorModelExporter.Export("v1", ItemFactors, Factors, TestModels.ItemIds(Items));
        return ScoringModel.Load(artifact, TestModels.Options());
    }

    [Theory]
    [InlineData(1, 10)]
    [InlineData(5, 1)]
    [InlineData(33, 50)]
    public void ExportedTopKGraphMatchesThePlainReferenceWithExclusionsAndUnavailableItems(int batch, int k)
    {
        using var model = LoadModel();
        var random = new Random(batch * 31 + k);
        var unavailable = new HashSet<int> { 3, 17, 150 };
        foreach (var index in unavailable)
        {
            model.SetAvailability(index, available: false);
        }

        var users = TestModels.RandomMatrix(batch, Factors, seed: batch + k);
        var exclusions = new ReadOnlyMemory<int>[batch];
        for (var row = 0; row < batch; row++)
        {
            // Rows get different exclusion counts (including none) so the padding is exercised.
            exclusions[row] = Enumerable.Range(0, row % 4 * 5).Select(_ => random.Next(Items)).ToArray();
        }

        var rows = model.RunTopK(users, batch, exclusions, k);

        Assert.Equal(batch, rows.Length);
        for (var row = 0; row < batch; row++)
        {
            var reference = TestModels.ReferenceScores(ItemFactors, Items, users.AsSpan(row * Factors, Factors));
            var excluded = exclusions[row].ToArray().ToHashSet();
            TestModels.AssertTopK(reference, i => !excluded.Contains(i) && !unavailable.Contains(i), k, rows[row].Indices, rows[row].Scores);
        }
    }

    [Fact]
    public void ExcludedItemsNeverAppearEvenWhenTheyWouldScoreBest()
    {
        using var model = LoadModel();
        var user = TestModels.RandomMatrix(1, Factors, seed: 99);
        var reference = TestModels.ReferenceScores(ItemFactors, Items, user);
        var best = Enumerable.Range(0, Items).OrderByDescending(i => reference[i]).Take(20).ToArray();

        var row = model.RunTopK(user, 1, [best], 20)[0];

        Assert.Empty(row.Indices.Intersect(best));
        Assert.DoesNotContain(row.Scores, ScoringGraphNames.IsSuppressed);
    }

    [Fact]
    public void UnavailableItemsNeverAppearAndComeBackWhenAvailableAgain()
    {
        using var model = LoadModel();
        var user = TestModels.RandomMatrix(1, Factors, seed: 5);
        var reference = TestModels.ReferenceScores(ItemFactors, Items, user);
        var best = Enumerable.Range(0, Items).OrderByDescending(i => reference[i]).First();

        model.SetAvailability(best, available: false);
        Assert.DoesNotContain(best, model.RunTopK(user, 1, null, 10)[0].Indices);

        model.SetAvailability(best, available: true);
        Assert.Equal(best, model.RunTopK(user, 1, null, 10)[0].Indices[0]);
    }

    [Fact]
    public void AskingForMoreThanTheCatalogueReturnsEveryItemWithSuppressedOnesLast()
    {
        using var model = LoadModel();
        var user = TestModels.RandomMatrix(1, Factors, seed: 8);

        var row = model.RunTopK(user, 1, [new[] { 0, 1 }], Items + 50)[0];

        Assert.Equal(Items, row.Count);
        Assert.Equal(Items - 2, row.Scores.Count(score => !ScoringGraphNames.IsSuppressed(score)));
        Assert.All(row.Scores.Skip(Items - 2), score => Assert.True(ScoringGraphNames.IsSuppressed(score)));
    }

    [Theory]
    [InlineData(1, 5)]
    [InlineData(7, 20)]
    public void CandidateGraphRanksOnlyEachRowsCandidatesLikeTheReference(int batch, int k)
    {
        using var model = LoadModel();
        var random = new Random(batch);
        var users = TestModels.RandomMatrix(batch, Factors, seed: 40 + batch);
        var candidates = new ReadOnlyMemory<int>[batch];
        for (var row = 0; row < batch; row++)
        {
            // Different lengths per row: shorter rows are padded with the dummy item, which must never come back.
            candidates[row] = Enumerable.Range(0, Items).OrderBy(_ => random.Next()).Take(10 + (row * 7)).ToArray();
        }

        var rows = model.RunCandidates(users, batch, candidates, k);

        for (var row = 0; row < batch; row++)
        {
            var reference = TestModels.ReferenceScores(ItemFactors, Items, users.AsSpan(row * Factors, Factors));
            var allowed = candidates[row].ToArray().ToHashSet();
            var valid = rows[row].Scores.Count(score => !ScoringGraphNames.IsSuppressed(score));
            TestModels.AssertTopK(reference, allowed.Contains, Math.Min(k, allowed.Count), rows[row].Indices[..valid], rows[row].Scores[..valid]);
        }
    }

    [Fact]
    public void ModelMetadataCarriesTheVersionAndTheItemIdMap()
    {
        using var model = LoadModel();

        var metadata = model.Metadata;

        Assert.Equal("v1", metadata[ScoringMetadataKeys.ModelVersion]);
        Assert.Equal(TestModels.ItemIds(Items), metadata[ScoringMetadataKeys.ItemIds].Split('\n'));
        Assert.Equal("12", metadata[ScoringMetadataKeys.Factors]);
    }

    [Fact]
    public async Task ArtifactSavedToADirectoryLoadsBackAndScoresTheSame()
    {
        using var artifact = ItemFactorModelExporter.Export("v1", ItemFactors, Factors, TestModels.ItemIds(Items));
        var directory = Path.Combine(Path.GetTempPath(), "recogrid-scoring-" + Guid.NewGuid().ToString("N"));
        try
        {
            await artifact.SaveAsync(directory);
            using var loaded = await ScoringModelArtifact.LoadAsync(directory, "v1", Factors);
            using var original = ScoringModel.Load(artifact, TestModels.Options());
            using var reloaded = ScoringModel.Load(loaded, TestModels.Options());
            var user = TestModels.RandomMatrix(1, Factors, seed: 3);

            Assert.Equal(original.RunTopK(user, 1, null, 15)[0].Indices, reloaded.RunTopK(user, 1, null, 15)[0].Indices);
            Assert.Equal(artifact.ItemIds, loaded.ItemIds);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
