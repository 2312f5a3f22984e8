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
        await fixture.Grains.Log(userId, Event("a"), Event("b", "purchase", 8));

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
        var userId = NewId("user");
        var user = fixture.Grains.GetGrain<IUserGrain>(userId);
        for (var i = 0; i < 8; i++)
        {
            await fixture.Grains.Log(userId, Event("item" + i));
        }

        var summary = await user.GetSummary();
        Assert.Equal(8, summary.TotalEvents);
        Assert.Equal(8, summary.Counters["view"]);
        Assert.Equal(["item3", "item4", "item5", "item6", "item7"], summary.RecentInteractions.Select(i => i.ItemId).ToArray());
    }

    [Fact]
    public async Task StateIsCheckpointedLazilyNotOncePerEvent()
    {
        var userId = NewId("user");
        await fixture.Grains.GetGrain<IUserGrain>(userId).GetSummary(); // activate first, so activation reads are not in the way
        var writesBefore = fixture.UserStorage.Writes;

        for (var i = 0; i < 10; i++)
        {
            await fixture.Grains.Log(userId, Event("e" + i));
        }

        Assert.Equal(10, (await fixture.Grains.GetGrain<IUserGrain>(userId).GetSummary()).TotalEvents);
        Assert.Equal(0, fixture.UserStorage.Writes - writesBefore);
    }

    [Fact]
    public async Task AStateWhoseCheckpointFailedCatchesUpFromTheLogWhenReloaded()
    {
        var userId = NewId("user");
        await fixture.Grains.GetGrain<IUserGrain>(userId).GetSummary(); // active, so the partition hands it events at once
        await fixture.Grains.Log(userId, Event("kept-1"));
        fixture.UserStorage.Fail();
        try
        {
            await fixture.Grains.Log(userId, Event("kept-2"), Event("kept-3"));
            await Assert.ThrowsAnyAsync<Exception>(() => fixture.Grains.GetGrain<IUserGrain>(userId).Checkpoint());
            await fixture.Cluster.DeactivateAsync(fixture.Grains.GetGrain<IUserGrain>(userId));
        }
        finally
        {
            fixture.UserStorage.Heal();
        }

        var summary = await fixture.Grains.GetGrain<IUserGrain>(userId).GetSummary();
        Assert.Equal(3, summary.TotalEvents);
        Assert.Equal(["kept-1", "kept-2", "kept-3"], summary.RecentInteractions.Select(i => i.ItemId).ToArray());
    }

    [Fact]
    public async Task EventsOfAUserWhoseGrainIsNotActiveAreAppliedWhenItActivates()
    {
        var userId = NewId("sleeper");
        await fixture.Grains.Log(userId, Event("while-asleep-1"));
        await fixture.Grains.Log(userId, Event("while-asleep-2"));

        var summary = await fixture.Grains.GetGrain<IUserGrain>(userId).GetSummary();
        Assert.Equal(["while-asleep-1", "while-asleep-2"], summary.RecentInteractions.Select(i => i.ItemId).ToArray());

        await fixture.Grains.Log(userId, Event("while-awake"));
        Assert.Equal(3, (await fixture.Grains.GetGrain<IUserGrain>(userId).GetSummary()).TotalEvents);
    }

    [Fact]
    public async Task AnInactiveUserGetsEveryRecordWhenAnEarlierBatchIsDecidedAfterALaterOne()
    {
        var userId = NewId("order");
        var partition = ShardHash.Shard(userId, ClusterFixture.Partitions);
        var log = fixture.Grains.GetGrain<ILogPartitionGrain>(partition);
        var other = (partition + 1) % ClusterFixture.Partitions;
        var batch = Guid.NewGuid();

        // A two-partition batch appended first (lower sequence) but committed after a later single-part batch.
        await log.Append(new LogBatchPart(batch, 2, [partition, other], [new LoggedEvent(userId, Event("first"), null)]));
        await fixture.Grains.GetGrain<ILogPartitionGrain>(other).Append(new LogBatchPart(batch, 2, [partition, other], [new LoggedEvent(NewId("elsewhere"), Event("x"), null)]));
        await fixture.Grains.Log(userId, Event("second"));
        await log.Commit(batch);
        await fixture.Grains.GetGrain<ILogPartitionGrain>(other).Commit(batch);

        var summary = await fixture.Grains.GetGrain<IUserGrain>(userId).GetSummary();
        Assert.Equal(2, summary.TotalEvents);
    }

    [Fact]
    public async Task ARepeatedEventIdForTheSameUserIsCountedOnce()
    {
        var userId = NewId("user");
        var first = await fixture.Grains.LogWithIds(userId, [(Event("a"), "e-1"), (Event("b"), "e-2")]);
        var retry = await fixture.Grains.LogWithIds(userId, [(Event("a"), "e-1"), (Event("b"), "e-2"), (Event("c"), "e-3")]);
        var otherUser = await fixture.Grains.LogWithIds(NewId("other"), [(Event("a"), "e-1")]);

        Assert.Equal((2, 0), (first.Accepted, first.Duplicates));
        Assert.Equal((1, 2), (retry.Accepted, retry.Duplicates));
        Assert.Equal((1, 0), (otherUser.Accepted, otherUser.Duplicates));
        Assert.Equal(3, (await fixture.Grains.GetGrain<IUserGrain>(userId).GetSummary()).TotalEvents);
    }

    [Fact]
    public async Task ErasingAUserRemovesTheirStateAndEvents()
    {
        var userId = NewId("user");
        var user = fixture.Grains.GetGrain<IUserGrain>(userId);
        await fixture.Grains.Log(userId, Event("x"), Event("y"));

        await fixture.Grains.Erase(userId);
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
            await fixture.Grains.Log(NewId("crowd"), Event(items[i], weight: 10 - i));
        }

        var readerId = NewId("reader");
        var reader = fixture.Grains.GetGrain<IUserGrain>(readerId);
        await fixture.Grains.Log(readerId, Event(items[0]));
        fixture.ExpireCaches();

        var result = await reader.Recommend(new RecommendationRequest(3, category, [items[2]], ExcludeSeen: true));
        Assert.Equal(RecommendationSources.Popularity, result.Source);
        Assert.Equal([items[1], items[3], items[4]], result.Items.Select(i => i.ItemId).ToArray());

        var withSeen = await reader.Recommend(new RecommendationRequest(2, category, [], ExcludeSeen: false));
        Assert.Equal([items[0], items[1]], withSeen.Items.Select(i => i.ItemId).ToArray());
    }

    private ICatalogShardGrain Shard(string itemId) => fixture.Grains.GetGrain<ICatalogShardGrain>(ShardHash.Shard(itemId, 4));
}
