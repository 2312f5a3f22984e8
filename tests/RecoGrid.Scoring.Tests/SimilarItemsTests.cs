using RecoGrid.Scoring.Hosting;
using RecoGrid.Scoring.Onnx;

namespace RecoGrid.Scoring.Tests;

/// <summary>The similar-items ONNX graph: cosine in factor space, through the engine's micro-batcher.</summary>
public sealed class SimilarItemsTests
{
    private const int Items = 300;
    private const int Factors = 12;

    private static int[] ReferenceNearest(float[] factors, int item, int k, Func<int, bool>? allowed = null)
    {
        double Norm(int i) => Math.Sqrt(Enumerable.Range(0, Factors).Sum(f => (double)factors[(i * Factors) + f] * factors[(i * Factors) + f]));
        double Cosine(int a, int b) => Enumerable.Range(0, Factors).Sum(f => (double)factors[(a * Factors) + f] * factors[(b * Factors) + f]) / (Norm(a) * Norm(b));
        return [.. Enumerable.Range(0, Items).Where(i => i != item && (allowed?.Invoke(i) ?? true)).OrderByDescending(i => Cosine(item, i)).Take(k)];
    }

    [Fact]
    public async Task SimilarItemsAreTheNearestByCosineAndNeverTheItemItself()
    {
        var factors = TestModels.RandomMatrix(Items, Factors, seed: 3);
        using var artifact = ItemFactorModelExporter.Export("v1", factors, Factors, TestModels.ItemIds(Items));
        await using var engine = new ScoringEngine(TestModels.Options());
        engine.LoadVersion(artifact);

        foreach (var item in new[] { 0, 17, 299 })
        {
            var result = await engine.SimilarAsync(new SimilarItemsRequest { ModelVersion = "v1", ItemId = $"item-{item}", Count = 10 });

            Assert.Equal(ReferenceNearest(factors, item, 10), result.Items.Select(i => i.Index));
            Assert.DoesNotContain(item, result.Items.Select(i => i.Index));
            Assert.All(result.Items, i => Assert.InRange(i.Score, -1.0001f, 1.0001f));
        }
    }

    [Fact]
    public async Task SimilarItemsHonourTheFilterAndUnavailableItems()
    {
        var factors = TestModels.RandomMatrix(Items, Factors, seed: 4);
        using var artifact = ItemFactorModelExporter.Export("v1", factors, Factors, TestModels.ItemIds(Items));
        await using var engine = new ScoringEngine(TestModels.Options());
        engine.LoadVersion(artifact);
        var nearest = ReferenceNearest(factors, 5, 1)[0];
        engine.SetItemAvailability($"item-{nearest}", available: false);

        // A narrow filter (one item in 30) makes the over-fetch fall short, so the whole catalogue is ranked.
        bool Allowed(int i) => i % 30 == 1;
        var result = await engine.SimilarAsync(new SimilarItemsRequest { ModelVersion = "v1", ItemId = "item-5", Count = 5, Filter = Allowed });
        var unfiltered = await engine.SimilarAsync(new SimilarItemsRequest { ModelVersion = "v1", ItemId = "item-5", Count = 5 });

        Assert.Equal(ReferenceNearest(factors, 5, 5, i => Allowed(i) && i != nearest), result.Items.Select(i => i.Index));
        Assert.DoesNotContain(nearest, unfiltered.Items.Select(i => i.Index));
    }

    [Fact]
    public async Task AnItemUnknownToTheVersionIsReportedAsSuch()
    {
        using var artifact = TestModels.Artifact("v1", Items, Factors, seed: 5);
        await using var engine = new ScoringEngine(TestModels.Options());
        engine.LoadVersion(artifact);

        var error = await Assert.ThrowsAsync<ItemNotInModelException>(() => engine.SimilarAsync(new SimilarItemsRequest { ModelVersion = "v1", ItemId = "nope" }));
        Assert.Equal("nope", error.ItemId);
    }

    [Fact]
    public async Task AVersionSavedBeforeTheSimilarGraphExistedGetsItWhenLoaded()
    {
        var directory = Path.Combine(Path.GetTempPath(), "recogrid-similar-" + Guid.NewGuid().ToString("N"));
        try
        {
            var factors = TestModels.RandomMatrix(Items, Factors, seed: 6);
            using (var exported = ItemFactorModelExporter.Export("v1", factors, Factors, TestModels.ItemIds(Items)))
            {
                await exported.SaveAsync(directory);
            }

            Assert.True(File.Exists(Path.Combine(directory, ScoringModelArtifact.SimilarFileName)));
            File.Delete(Path.Combine(directory, ScoringModelArtifact.SimilarFileName));
            await using var engine = new ScoringEngine(TestModels.Options());
            using (var loaded = await ScoringModelArtifact.LoadAsync(directory, "v1", Factors))
            {
                engine.LoadVersion(loaded);
            }

            var result = await engine.SimilarAsync(new SimilarItemsRequest { ModelVersion = "v1", ItemId = "item-9", Count = 4 });
            Assert.Equal(ReferenceNearest(factors, 9, 4), result.Items.Select(i => i.Index));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
