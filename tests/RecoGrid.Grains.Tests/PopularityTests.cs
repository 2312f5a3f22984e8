using System.Collections.Immutable;
using RecoGrid.Abstractions;

namespace RecoGrid.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class PopularityTests(ClusterFixture fixture)
{
    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}";

    private async Task Put(string itemId, string category, bool available = true) =>
        await fixture.Grains.GetGrain<ICatalogShardGrain>(ShardHash.Shard(itemId, 4))
            .Upsert([new ItemRecord(itemId, [category], available, ImmutableDictionary<string, string>.Empty, fixture.Time.GetUtcNow())]);

    private async Task Hit(string itemId, float weight, DateTimeOffset? at = null) =>
        await fixture.Grains.Log(NewId("u"), new Interaction(itemId, "view", weight, null, at ?? fixture.Time.GetUtcNow()));

    private async Task<ImmutableArray<ScoredItem>> Ranking(string category)
    {
        var snapshot = await fixture.Grains.GetGrain<IPopularityGrain>(0).Refresh();
        return snapshot.ByCategory.GetValueOrDefault(category, []);
    }

    [Fact]
    public async Task CountsFromManyUsersAreMergedAcrossShards()
    {
        var category = NewId("cat");
        await Put(category + "-a", category);
        await Put(category + "-b", category);
        for (var i = 0; i < 6; i++)
        {
            await Hit(category + "-a", 1);
        }

        await Hit(category + "-b", 4);

        var ranking = await Ranking(category);
        Assert.Equal([category + "-a", category + "-b"], ranking.Select(s => s.ItemId).ToArray());
        Assert.Equal(6, ranking[0].Score, 3);
        Assert.Equal(4, ranking[1].Score, 3);
    }

    [Fact]
    public async Task OldEventsCountLessThanNewOnes()
    {
        var category = NewId("cat");
        await Put(category + "-old", category);
        await Put(category + "-new", category);
        var now = fixture.Time.GetUtcNow();
        await Hit(category + "-old", 3, now - TimeSpan.FromDays(2)); // two half-lives: worth 0.75 now
        await Hit(category + "-new", 1, now);

        var ranking = await Ranking(category);
        Assert.Equal([category + "-new", category + "-old"], ranking.Select(s => s.ItemId).ToArray());
        Assert.Equal(0.75, ranking[1].Score, 3);
    }

    [Fact]
    public async Task ScoresDecayAsTimePasses()
    {
        var category = NewId("cat");
        await Put(category + "-a", category);
        await Hit(category + "-a", 8);

        Assert.Equal(8, (await Ranking(category))[0].Score, 3);
        fixture.Time.Advance(TimeSpan.FromDays(1));
        Assert.Equal(4, (await Ranking(category))[0].Score, 3);
    }

    [Fact]
    public async Task UnavailableItemsAreNeverRanked()
    {
        var category = NewId("cat");
        await Put(category + "-gone", category, available: false);
        await Put(category + "-here", category);
        await Hit(category + "-gone", 100);
        await Hit(category + "-here", 1);

        var snapshot = await fixture.Grains.GetGrain<IPopularityGrain>(0).Refresh();
        Assert.Equal([category + "-here"], snapshot.ByCategory[category].Select(s => s.ItemId).ToArray());
        Assert.DoesNotContain(snapshot.Global, s => s.ItemId == category + "-gone");
    }

    [Fact]
    public async Task ErasingAUserWithdrawsTheirContribution()
    {
        var category = NewId("cat");
        await Put(category + "-a", category);
        var userId = NewId("u");
        await fixture.Grains.Log(userId, new Interaction(category + "-a", "purchase", 8, null, fixture.Time.GetUtcNow()));
        await Hit(category + "-a", 1);

        await fixture.Grains.Erase(userId);

        Assert.Equal(1, (await Ranking(category))[0].Score, 3);
    }

    [Fact]
    public async Task UsersWithNoHistoryGetPopularItems()
    {
        var category = NewId("cat");
        await Put(category + "-top", category);
        await Hit(category + "-top", 50);
        fixture.ExpireCaches();

        var result = await fixture.Grains.GetGrain<IUserGrain>(NewId("newcomer"))
            .Recommend(new RecommendationRequest(5, category, [], ExcludeSeen: true));

        Assert.Equal(RecommendationSources.Popularity, result.Source);
        Assert.Equal(category + "-top", Assert.Single(result.Items).ItemId);
    }
}
