using System.Collections.Frozen;
using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Catalog;
using RecoGrid.Grains.Common;
using RecoGrid.Grains.Models;
using RecoGrid.Grains.Users;
using RecoGrid.Training.Linalg;
using RecoGrid.Training.Models;
using RecoGrid.Training.Solvers;

namespace RecoGrid.Grains.Tests;

/// <summary>Cold start on both sides: popularity blended into thin histories, exploration slots for unfactored items.</summary>
public sealed class RecommendationBlenderTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly string[] ModelItems = [.. Enumerable.Range(0, 30).Select(i => $"m{i}")];

    private sealed class Active(FoldInModel model) : IActiveModelSource
    {
        public FoldInModel? Current => model;
    }

    private static FoldInModel Model()
    {
        var factors = new float[ModelItems.Length * 2];
        for (var i = 0; i < factors.Length; i++)
        {
            factors[i] = (i % 7) / 7f;
        }

        var foldIn = new IalsFoldIn(factors, 2, GramMatrix.Compute(factors, ModelItems.Length, 2, 1), new IalsSolveParameters(1f, 0.1f, 0f));
        return new FoldInModel("v1", ModelItems, foldIn, trainedUsers: null);
    }

    private static RecommendationBlender Blender(RecommendationOptions options) =>
        new(Options.Create(options), new Active(Model()), new UnfactoredItems());

    private static CatalogSnapshot Catalog(params ItemRecord[] items) =>
        new(items.ToFrozenDictionary(i => i.ItemId, StringComparer.Ordinal), Now);

    private static ItemRecord Item(string id, int minutesAgo, bool available = true, params string[] categories) =>
        new(id, [.. categories], available, ImmutableDictionary<string, string>.Empty, Now.AddMinutes(-minutesAgo));

    private static RecommendationResult Ranked(int count) =>
        new([.. ModelItems.Take(count).Select((id, i) => new ScoredItem(id, 1.0 - (i * 0.01)))], RecommendationSources.Model, "v1", "exact");

    private static PopularitySnapshot Popular(params string[] ids) =>
        new(1, Now, [.. ids.Select((id, i) => new ScoredItem(id, 100 - i))], ImmutableDictionary<string, ImmutableArray<ScoredItem>>.Empty);

    private static RecommendationRequest Request(int count, string? category = null) => new(count, category, [], ExcludeSeen: true);

    [Fact]
    public void ACataloguedItemWithoutFactorsTakesTheExplorationSlot()
    {
        var blender = Blender(new RecommendationOptions { ColdStartEvents = 0, ExplorationShare = 0.1 });
        var catalog = Catalog(Item("new-old", 60), Item("new-gone", 1, available: false), Item("m0", 0));
        var state = new UserState { TotalEvents = 50, VectorTrained = true };

        var result = blender.Blend("u1", state, Request(10), Ranked(10), Popular(), catalog, new HashSet<string>());

        Assert.Equal(10, result.Items.Length);
        var explored = Assert.Single(result.Items, i => i.Slot == RecommendationSlots.Exploration);
        Assert.Equal("new-old", explored.ItemId);
        Assert.Equal(9, result.Items.IndexOf(explored));
        Assert.Equal(ModelItems.Take(9), result.Items.Take(9).Select(i => i.ItemId));
    }

    [Fact]
    public void ExplorationShareZeroNeverShowsUnfactoredItems()
    {
        var blender = Blender(new RecommendationOptions { ColdStartEvents = 0, ExplorationShare = 0 });
        var catalog = Catalog(Item("new-1", 1), Item("new-2", 2));

        var result = blender.Blend("u1", new UserState { TotalEvents = 50 }, Request(20), Ranked(20), Popular(), catalog, new HashSet<string>());

        Assert.Equal(ModelItems.Take(20), result.Items.Select(i => i.ItemId));
        Assert.All(result.Items, i => Assert.Null(i.Slot));
    }

    [Fact]
    public void ExplorationKeepsTheCategoryAndLeavesOutExcludedItems()
    {
        var blender = Blender(new RecommendationOptions { ColdStartEvents = 0, ExplorationShare = 0.2 });
        var catalog = Catalog(Item("new-shoe", 1, true, "shoes"), Item("new-hat", 0, true, "hats"), Item("new-boot", 2, true, "shoes"));

        var result = blender.Blend("u1", new UserState { TotalEvents = 50 }, Request(10, "shoes"), Ranked(10), Popular(), catalog, new HashSet<string> { "new-boot" });

        Assert.Equal(["new-shoe"], result.Items.Where(i => i.Slot == RecommendationSlots.Exploration).Select(i => i.ItemId));
    }

    [Fact]
    public void PopularityIsBlendedInWhileTheHistoryIsThinAndFadesWithEachEvent()
    {
        var blender = Blender(new RecommendationOptions { ColdStartEvents = 5, ColdStartWeight = 0.5, ExplorationShare = 0 });
        var popular = Popular("p0", "m1", "p1", "p2", "p3", "p4", "p5");
        var catalog = Catalog();

        int Blended(long events) => blender.Blend("u1", new UserState { TotalEvents = events }, Request(10), Ranked(10), popular, catalog, new HashSet<string> { "p1" })
            .Items.Count(i => i.Slot == RecommendationSlots.ColdStart);

        var first = blender.Blend("u1", new UserState { TotalEvents = 1 }, Request(10), Ranked(10), popular, catalog, new HashSet<string> { "p1" });
        Assert.Equal(10, first.Items.Length);
        Assert.Equal(["p0", "p2", "p3", "p4"], first.Items.Where(i => i.Slot == RecommendationSlots.ColdStart).Select(i => i.ItemId));
        Assert.Equal(10, first.Items.Select(i => i.ItemId).Distinct().Count());
        Assert.Equal([5, 4, 3, 2, 1, 0, 0], new long[] { 0, 1, 2, 3, 4, 5, 9 }.Select(Blended));
    }

    [Fact]
    public void TrainedUsersAreNeverBlendedWithPopularity()
    {
        var blender = Blender(new RecommendationOptions { ColdStartEvents = 5, ExplorationShare = 0 });

        var result = blender.Blend("u1", new UserState { TotalEvents = 0, VectorTrained = true }, Request(10), Ranked(10), Popular("p0", "p1"), Catalog(), new HashSet<string>());

        Assert.Equal(ModelItems.Take(10), result.Items.Select(i => i.ItemId));
    }
}
