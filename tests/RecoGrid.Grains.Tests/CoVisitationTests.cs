using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RecoGrid.Abstractions;
using RecoGrid.Grains.CoVisitation;

namespace RecoGrid.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class CoVisitationTests(ClusterFixture fixture)
{
    private static readonly CoVisitationOptions Defaults = new();

    private static string Item(string name) => $"covisit-{Guid.NewGuid():N}-{name}";

    private ICoVisitationShardGrain ShardOf(string item) => fixture.Grains.GetGrain<ICoVisitationShardGrain>(ShardHash.Shard(item, Defaults.Shards));

    /// <summary>An interaction a few minutes ago (decay over minutes is below the 2-decimal rounding of <see cref="Followers"/>).</summary>
    private Interaction At(string item, int minutes) => new(item, "view", 1, null, fixture.Time.GetUtcNow().AddMinutes(minutes - 5));

    [Fact]
    public async Task ItemsUsersWentToNextAreTheFollowersOfAnItemBestFirstAndTheirCountsFade()
    {
        var (a, b, c) = (Item("a"), Item("b"), Item("c"));
        var now = fixture.Time.GetUtcNow();
        await ShardOf(a).Record([new CoVisit(a, b, 1, now), new CoVisit(a, b, 1, now), new CoVisit(a, c, 1, now)]);

        var followers = (await ShardOf(a).Followers([a, Item("never")]));
        fixture.Time.Advance(Defaults.HalfLife);
        var later = (await ShardOf(a).Followers([a]))[0].Followers;

        Assert.Equal([b, c], followers[0].Followers.Select(f => f.ItemId));
        Assert.Equal([2.0, 1.0], followers[0].Followers.Select(f => f.Score));
        Assert.Empty(followers[1].Followers);
        Assert.Equal([1.0, 0.5], later.Select(f => f.Score), new ToleranceComparer(1e-9));
    }

    [Fact]
    public async Task TheRecorderCountsEachNewItemAsFollowingTheUsersPreviousItemsNearerOnesMore()
    {
        var (a, b, c, d) = (Item("a"), Item("b"), Item("c"), Item("d"));
        using var recorder = new CoVisitationRecorder(fixture.Grains, Options.Create(new CoVisitationOptions { Window = 2 }), fixture.Time);

        recorder.Record([At(a, 0), At(b, 1)], [At(c, 2), At(d, 3)]);
        await recorder.FlushAsync();

        Assert.Equal([(c, 0.5)], await Followers(a));
        Assert.Equal([(c, 1.0), (d, 0.5)], await Followers(b));
        Assert.Equal([(d, 1.0)], await Followers(c));
        Assert.Empty(await Followers(d));
    }

    [Fact]
    public async Task EventsAUserSendsBecomeCoVisitsOfTheItemsTheyFollowed()
    {
        var (a, b) = (Item("a"), Item("b"));
        var user = "covisit-user-" + Guid.NewGuid().ToString("N");
        await fixture.Grains.Log(user, At(a, 0));
        await fixture.Grains.Log(user, At(b, 1));

        // The log hands records to the user's grain when it is active, and an inactive one catches up when it is next
        // called: once a read has brought it up to date, the silo's recorder holds the co-visit.
        await fixture.Grains.GetGrain<IUserGrain>(user).GetSummary();
        var recorder = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<CoVisitationRecorder>();
        await recorder.FlushAsync();

        Assert.Equal([(b, 1.0)], await Followers(a));
    }

    [Fact]
    public async Task AnItemKeepsOnlyItsBestFollowers()
    {
        var a = Item("a");
        var now = fixture.Time.GetUtcNow();
        var visits = Enumerable.Range(0, 3 * Defaults.MaxFollowers).Select(i => new CoVisit(a, $"{a}-next-{i}", 1 + i, now)).ToArray();
        await ShardOf(a).Record([.. visits]);

        var followers = (await ShardOf(a).Followers([a]))[0].Followers;

        Assert.Equal(Defaults.MaxFollowers, followers.Length);
        Assert.Equal(visits.OrderByDescending(v => v.Weight).Take(Defaults.MaxFollowers).Select(v => v.To), followers.Select(f => f.ItemId));
    }

    private async Task<(string, double)[]> Followers(string item) =>
        [.. (await ShardOf(item).Followers([item]))[0].Followers.Select(f => (f.ItemId, Math.Round(f.Score, 2)))];

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
