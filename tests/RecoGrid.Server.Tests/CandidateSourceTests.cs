using System.Collections.Immutable;
using RecoGrid.Abstractions;
using RecoGrid.Grains.CoVisitation;
using RecoGrid.Scoring;
using RecoGrid.Scoring.Onnx;
using RecoGrid.Scoring.Retrieval;
using RecoGrid.Server.Models;
using ScoredItem = RecoGrid.Abstractions.ScoredItem;

namespace RecoGrid.Server.Tests;

public sealed class CandidateSourceTests : IDisposable
{
    private const int Items = 40;
    private readonly ScoringModel _model;

    public CandidateSourceTests()
    {
        var factors = Enumerable.Range(0, Items * 4).Select(i => (float)Math.Sin(i)).ToArray();
        using var artifact = ItemFactorModelExporter.Export("v1", factors, 4, [.. Enumerable.Range(0, Items).Select(i => $"i{i}")]);
        _model = ScoringModel.Load(artifact, new ScoringOptions());
    }

    public void Dispose() => _model.Dispose();

    private CandidateQuery Query(int[] recent, string? category = null, int coVisitation = 3, int popular = 2) => new()
    {
        Model = _model,
        UserVector = new float[4],
        Count = 10,
        RecentItems = recent,
        Category = category,
        Options = new ScoringOptions { CoVisitationCandidates = coVisitation, PopularCandidates = popular },
    };

    private static ImmutableArray<ScoredItem> List(params (string Item, double Score)[] items) => [.. items.Select(i => new ScoredItem(i.Item, i.Score))];

    [Fact]
    public async Task CoVisitationAddsWhatFollowedTheRecentItemsMostWithTheNewestSeedsWeighingMore()
    {
        var followers = new FixedFollowers(new()
        {
            ["i1"] = List(("i10", 1), ("i11", 4), ("i12", 2)),
            ["i2"] = List(("i10", 6), ("i13", 3), ("unknown", 100)),
        });
        var set = new CandidateSet(_model, new HashSet<int> { 11 }, filter: null);

        // i1 is the most recent seed (weight 1), i2 the one before (weight 1/2): i10 = 1 + 3 = 4, i12 = 2, i13 = 1.5; i11 is excluded.
        await new CoVisitationCandidateSource(followers).CollectAsync(Query([1, 2]), set, CancellationToken.None);

        Assert.Equal([10, 12, 13], set.Items);
        Assert.Equal(3, set.BySource[CoVisitationCandidateSource.SourceName]);
        Assert.Equal(["i1", "i2"], followers.Asked);
    }

    [Fact]
    public async Task CoVisitationAddsNothingWithoutRecentItemsOrWhenTurnedOff()
    {
        var followers = new FixedFollowers(new() { ["i1"] = List(("i10", 1)) });
        var set = new CandidateSet(_model, new HashSet<int>(), filter: null);

        await new CoVisitationCandidateSource(followers).CollectAsync(Query([]), set, CancellationToken.None);
        await new CoVisitationCandidateSource(followers).CollectAsync(Query([1], coVisitation: 0), set, CancellationToken.None);

        Assert.Empty(set.Items);
        Assert.Empty(followers.Asked);
    }

    [Fact]
    public async Task PopularityAddsTheMostPopularItemsOfTheRequestsCategoryThatPassTheFilters()
    {
        var snapshot = new PopularitySnapshot(1, DateTimeOffset.UnixEpoch, List(("i5", 9), ("i6", 8), ("i7", 7)),
            ImmutableDictionary<string, ImmutableArray<ScoredItem>>.Empty.Add("books", List(("unknown", 10), ("i20", 5), ("i21", 4), ("i22", 3))));
        var source = new PopularityCandidateSource(_ => ValueTask.FromResult(snapshot));
        var global = new CandidateSet(_model, new HashSet<int>(), filter: null);
        var books = new CandidateSet(_model, new HashSet<int>(), filter: index => index != 20);

        await source.CollectAsync(Query([]), global, CancellationToken.None);
        await source.CollectAsync(Query([], category: "books"), books, CancellationToken.None);

        Assert.Equal([5, 6], global.Items);
        Assert.Equal([21, 22], books.Items);
        Assert.Equal(1, books.Rejected);
    }

    private sealed class FixedFollowers(Dictionary<string, ImmutableArray<ScoredItem>> lists) : IFollowerLists
    {
        public List<string> Asked { get; } = [];

        public ValueTask<ImmutableArray<ScoredItem>[]> GetAsync(IReadOnlyList<string> items)
        {
            Asked.AddRange(items);
            return ValueTask.FromResult(items.Select(i => lists.GetValueOrDefault(i, [])).ToArray());
        }
    }
}
