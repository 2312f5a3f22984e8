using RecoGrid.Scoring.Batching;
using RecoGrid.Scoring.Hosting;
using RecoGrid.Scoring.Retrieval;

namespace RecoGrid.Scoring.Tests;

public sealed class TwoStageScoringTests(PlantedCatalogue catalogue) : IClassFixture<PlantedCatalogue>
{
    private static ScoringRequest Request(ReadOnlyMemory<float> user, int count = 10, RetrievalMode retrieval = RetrievalMode.Auto, Func<int, bool>? filter = null, IReadOnlyCollection<int>? exclude = null) =>
        new() { ModelVersion = "planted", UserVector = user, Count = count, Retrieval = retrieval, Filter = filter, ExcludeItemIndices = exclude };

    private ScoringEngine Engine(int annThreshold = 0, IEnumerable<ICandidateSource>? sources = null, Action<ScoringOptions>? configure = null)
    {
        var engine = new ScoringEngine(TestModels.Options(o =>
        {
            o.AnnThreshold = annThreshold;
            configure?.Invoke(o);
        }), sources: sources);
        engine.LoadVersion(catalogue.Artifact);
        return engine;
    }

    [Fact]
    public async Task CatalogueSizeChoosesThePathExactBelowTheThresholdTwoStageFromIt()
    {
        await using var small = Engine(annThreshold: PlantedCatalogue.Items + 1);
        await using var large = Engine(annThreshold: PlantedCatalogue.Items);

        var exact = await small.ScoreAsync(Request(catalogue.User(0)));
        var twoStage = await large.ScoreAsync(Request(catalogue.User(0)));

        Assert.Equal(RetrievalMode.Exact, exact.Retrieval);
        Assert.Equal(RetrievalMode.Ann, twoStage.Retrieval);
        Assert.True(twoStage.Candidates >= ScoringOptions.DefaultAnnCandidates);
        Assert.Equal(exact.Items.Select(i => i.Index), twoStage.Items.Select(i => i.Index));
        Assert.Equal((1, 0, 0), small.PathCounts);
        Assert.Equal((0, 1, 0), large.PathCounts);
    }

    [Fact]
    public async Task ARequestMayAskForEitherPathWhateverTheCatalogueSize()
    {
        await using var engine = Engine(annThreshold: int.MaxValue);
        await using var twoStageByDefault = Engine(annThreshold: 0);

        Assert.Equal(RetrievalMode.Ann, (await engine.ScoreAsync(Request(catalogue.User(1), retrieval: RetrievalMode.Ann))).Retrieval);
        Assert.Equal(RetrievalMode.Exact, (await engine.ScoreAsync(Request(catalogue.User(1)))).Retrieval);
        Assert.Equal(RetrievalMode.Exact, (await twoStageByDefault.ScoreAsync(Request(catalogue.User(1), retrieval: RetrievalMode.Exact))).Retrieval);
    }

    [Fact]
    public async Task AVersionWithoutAnAnnIndexIsScoredExactlyEvenWhenTwoStageIsAskedFor()
    {
        await using var engine = new ScoringEngine(TestModels.Options(o => o.AnnThreshold = 0));
        using var plain = Onnx.ItemFactorModelExporter.Export("plain", catalogue.ItemFactors, PlantedCatalogue.Factors, TestModels.ItemIds(PlantedCatalogue.Items));
        engine.LoadVersion(plain);

        var result = await engine.ScoreAsync(new ScoringRequest { ModelVersion = "plain", UserVector = catalogue.User(2), Retrieval = RetrievalMode.Ann });

        Assert.Equal(RetrievalMode.Exact, result.Retrieval);
    }

    [Fact]
    public async Task TwoStageResultsAreTheExactRankingOfTheirCandidates()
    {
        using var model = ScoringModel.Load(catalogue.Artifact, TestModels.Options());
        var runner = new CandidateBatchRunner(model);
        var random = new Random(5);
        var batch = Enumerable.Range(0, 9).Select(user =>
        {
            var candidates = Enumerable.Range(0, PlantedCatalogue.Items).OrderBy(_ => random.Next()).Take(50 + (user * 40)).ToArray();
            return new BatchRequest(catalogue.User(user), ReadOnlyMemory<int>.Empty, 10 + user) { Candidates = candidates };
        }).ToArray();

        var rows = await runner.RunAsync(batch, CancellationToken.None);

        for (var user = 0; user < batch.Length; user++)
        {
            var scores = catalogue.Scores(user).Select(s => (double)s).ToArray();
            var allowed = batch[user].Candidates.ToArray().ToHashSet();
            TestModels.AssertTopK(scores, allowed.Contains, batch[user].K, rows[user].Indices, rows[user].Scores);
        }
    }

    [Fact]
    public async Task ExcludedAndUnavailableItemsNeverComeBackFromTheTwoStagePath()
    {
        await using var engine = Engine();
        var best = catalogue.ExactTop(3, 20);
        var excluded = best[..10];
        engine.SetItemAvailability(TestModels.ItemIds(PlantedCatalogue.Items)[best[10]], available: false);

        var result = await engine.ScoreAsync(Request(catalogue.User(3), count: 20, exclude: excluded));

        Assert.Equal(RetrievalMode.Ann, result.Retrieval);
        Assert.Equal(20, result.Items.Count);
        Assert.DoesNotContain(result.Items, item => excluded.Contains(item.Index) || item.Index == best[10]);
        Assert.Equal(best[11..], result.Items.Take(9).Select(i => i.Index));
    }

    [Theory]
    [InlineData(97, 100)]
    [InlineData(4001, 10)]
    public async Task FiltersNeverStarveATwoStageRequest(int modulus, int count)
    {
        await using var engine = Engine();
        bool Keep(int item) => item % modulus == 1;
        var passing = Enumerable.Range(0, PlantedCatalogue.Items).Count(Keep);

        var result = await engine.ScoreAsync(Request(catalogue.User(4), count: count, filter: Keep));

        Assert.Equal(Math.Min(count, passing), result.Items.Count);
        Assert.All(result.Items, item => Assert.True(Keep(item.Index)));
        var exact = catalogue.ExactTop(4, count, Keep);
        Assert.True(result.Items.Select(i => i.Index).Intersect(exact).Count() >= 0.9 * exact.Length);
    }

    [Fact]
    public async Task AnExtraSourcesCandidatesAreRankedByTheModelAlongsideTheAnnCandidates()
    {
        var worst = catalogue.Scores(5).Select((score, item) => (score, item)).Min().item;
        await using var engine = Engine(sources: [new FixedSource(worst)], configure: o => o.AnnCandidates = 64);

        var few = await engine.ScoreAsync(Request(catalogue.User(5), count: 16));
        var all = await engine.ScoreAsync(Request(catalogue.User(5), count: 65));

        Assert.Equal(65, few.Candidates);
        Assert.DoesNotContain(few.Items, item => item.Index == worst);
        Assert.Equal(261, all.Candidates);
        Assert.Equal(65, all.Items.Count);
        Assert.True(all.Items.Select(i => i.Score).SequenceEqual(all.Items.Select(i => i.Score).OrderDescending()));
    }

    private sealed class FixedSource(int item) : ICandidateSource
    {
        public string Name => "fixed";

        public ValueTask CollectAsync(CandidateQuery query, CandidateSet candidates, CancellationToken cancellationToken)
        {
            candidates.Add(item, Name);
            return ValueTask.CompletedTask;
        }
    }
}
