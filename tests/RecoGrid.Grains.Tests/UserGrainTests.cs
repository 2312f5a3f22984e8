using System.Collections.Immutable;
using RecoGrid.Abstractions;

namespace RecoGrid.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class UserGrainTests(ClusterFixture fixture)
{
    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    private Interaction Event(string item, string type = "view", float weight = 1) =>
        new(item, type, weight, null, fixture.Time.GetUtcNow());

    [Fact]
    public async Task AcceptedInteractionsSurviveDeactivation()
    {
        var userId = NewId("user");
        var user = fixture.Grains.GetGrain<IUserGrain>(userId);
        await user.AddInteractions([Event("a"), Event("b", "purchase", 8)]);

        await fixture.Cluster.DeactivateAsync(fixture.Cluster.Client.GetGrain<IUserGrain>(userId));
        var summary = await fixture.Grains.GetGrain<IUserGrain>(userId).GetSummary();

        Assert.True(summary.Exists);
        Assert.Equal(2, summary.TotalEvents);
        Assert.Equal(1, summary.Counters["purchase"]);
        Assert.Equal(["a", "b"], summary.RecentInteractions.Select(i => i.ItemId).ToArray());
    }

    [Fact]
    public async Task RecentInteractionsAreABoundedRingButCountersKeepEverything()
    {
        var user = fixture.Grains.GetGrain<IUserGrain>(NewId("user"));
        for (var i = 0; i < 8; i++)
        {
            await user.AddInteractions([Event("item" + i)]);
        }

        var summary = await user.GetSummary();
        Assert.Equal(8, summary.TotalEvents);
        Assert.Equal(8, summary.Counters["view"]);
        Assert.Equal(["item3", "item4", "item5", "item6", "item7"], summary.RecentInteractions.Select(i => i.ItemId).ToArray());
    }

    [Fact]
    public async Task EventsForOneUserArrivingTogetherShareOneStateWrite()
    {
        var user = fixture.Grains.GetGrain<IUserGrain>(NewId("user"));
        await user.GetSummary(); // activate first, so activation reads are not in the way

        fixture.UserStorage.Close();
        var writesBefore = fixture.UserStorage.Writes;
        var first = user.AddInteractions([Event("first")]);
        var rest = Enumerable.Range(0, 9).Select(i => user.AddInteractions([Event("e" + i)])).ToList();

        // All ten batches are applied in memory while the first write is held.
        for (var spins = 0; (await user.GetSummary()).TotalEvents < 10; spins++)
        {
            Assert.True(spins < 100_000, "the held batches never reached the grain");
            await Task.Yield();
        }

        fixture.UserStorage.Open();
        await first;
        await Task.WhenAll(rest);
        fixture.UserStorage.Close();
        fixture.UserStorage.Open();

        Assert.Equal(2, fixture.UserStorage.Writes - writesBefore);
        Assert.Equal(10, (await user.GetSummary()).TotalEvents);
    }

    [Fact]
    public async Task ErasingAUserRemovesTheirStateAndEvents()
    {
        var userId = NewId("user");
        var user = fixture.Grains.GetGrain<IUserGrain>(userId);
        await user.AddInteractions([Event("x"), Event("y")]);

        await user.Erase();
        await fixture.Cluster.DeactivateAsync(user);
        var summary = await fixture.Grains.GetGrain<IUserGrain>(userId).GetSummary();

        Assert.False(summary.Exists);
        Assert.Equal(0, summary.TotalEvents);
        Assert.Empty(summary.RecentInteractions);
    }

    [Fact]
    public async Task RecommendationsExcludeItemsTheUserAlreadyInteractedWithAndExplicitExclusions()
    {
        var category = NewId("cat");
        var items = Enumerable.Range(0, 5).Select(i => $"{category}-item{i}").ToArray();
        foreach (var id in items)
        {
            await Shard(id).Upsert([new ItemRecord(id, [category], true, ImmutableDictionary<string, string>.Empty, fixture.Time.GetUtcNow())]);
        }

        // Popularity: item0 > item1 > item2 > item3 > item4.
        for (var i = 0; i < items.Length; i++)
        {
            await fixture.Grains.GetGrain<IUserGrain>(NewId("crowd")).AddInteractions([Event(items[i], weight: 10 - i)]);
        }

        var reader = fixture.Grains.GetGrain<IUserGrain>(NewId("reader"));
        await reader.AddInteractions([Event(items[0])]);
        fixture.ExpireCaches();

        var result = await reader.Recommend(new RecommendationRequest(3, category, [items[2]], ExcludeSeen: true));
        Assert.Equal(RecommendationSources.Popularity, result.Source);
        Assert.Equal([items[1], items[3], items[4]], result.Items.Select(i => i.ItemId).ToArray());

        var withSeen = await reader.Recommend(new RecommendationRequest(2, category, [], ExcludeSeen: false));
        Assert.Equal([items[0], items[1]], withSeen.Items.Select(i => i.ItemId).ToArray());
    }

    private ICatalogShardGrain Shard(string itemId) => fixture.Grains.GetGrain<ICatalogShardGrain>(ShardHash.Shard(itemId, 4));
}
