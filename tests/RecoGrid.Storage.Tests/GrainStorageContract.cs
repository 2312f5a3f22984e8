using System.Collections.Immutable;
using Orleans.Storage;
using RecoGrid.Abstractions;

namespace RecoGrid.Storage.Tests;

/// <summary>
/// What every grain-state backend must do (after Orleans' GrainPersistenceTestsRunner): each backend's test class
/// derives from this and supplies a fresh store over the same underlying location on every call.
/// </summary>
public abstract class GrainStorageContract
{
    private static readonly GrainId Grain = GrainId.Create("user", "alice/with:odd chars ✓");

    /// <summary>A store instance; two calls must see the same stored data (like two silos, or a restart).</summary>
    protected abstract IGrainStorage NewStorage();

    protected static ItemRecord Item(string id, bool available = true) =>
        new(id, ["books", "new"], available, ImmutableDictionary<string, string>.Empty.Add("color", "red"), DateTimeOffset.UnixEpoch.AddDays(1));

    [Fact]
    public async Task AWrittenStateIsReadBackByAFreshInstance()
    {
        var state = new GrainState<ItemRecord>(Item("i1"));
        await NewStorage().WriteStateAsync("item", Grain, state);

        var read = new GrainState<ItemRecord>();
        await NewStorage().ReadStateAsync("item", Grain, read);

        Assert.True(read.RecordExists);
        Assert.Equal(state.ETag, read.ETag);
        Assert.Equal("i1", read.State!.ItemId);
        Assert.Equal(["books", "new"], read.State.Categories.ToArray());
        Assert.Equal("red", read.State.Properties["color"]);
    }

    [Fact]
    public async Task ReadingAStateThatWasNeverWrittenReportsNoRecord()
    {
        var read = new GrainState<ItemRecord>();
        await NewStorage().ReadStateAsync("item", Grain, read);
        Assert.False(read.RecordExists);
        Assert.Null(read.ETag);
    }

    [Fact]
    public async Task EveryWriteChangesTheETag()
    {
        var storage = NewStorage();
        var state = new GrainState<ItemRecord>(Item("i1"));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 4; i++)
        {
            state.State = Item("i" + i);
            await storage.WriteStateAsync("item", Grain, state);
            Assert.True(seen.Add(state.ETag!), $"ETag {state.ETag} repeated");
        }
    }

    [Fact]
    public async Task AWriteWithAStaleETagIsRejectedAndKeepsTheNewerState()
    {
        var storage = NewStorage();
        var first = new GrainState<ItemRecord>(Item("first"));
        await storage.WriteStateAsync("item", Grain, first);

        var stale = new GrainState<ItemRecord>(Item("stale")) { ETag = first.ETag };
        first.State = Item("second");
        await storage.WriteStateAsync("item", Grain, first);

        await Assert.ThrowsAsync<InconsistentStateException>(() => storage.WriteStateAsync("item", Grain, stale));
        var read = new GrainState<ItemRecord>();
        await storage.ReadStateAsync("item", Grain, read);
        Assert.Equal("second", read.State!.ItemId);
    }

    [Fact]
    public async Task CreatingAStateThatAnotherWriterCreatedIsRejected()
    {
        var storage = NewStorage();
        await storage.WriteStateAsync("item", Grain, new GrainState<ItemRecord>(Item("winner")));
        await Assert.ThrowsAsync<InconsistentStateException>(() =>
            NewStorage().WriteStateAsync("item", Grain, new GrainState<ItemRecord>(Item("loser"))));
    }

    [Fact]
    public async Task ClearingRemovesTheStateAndAllowsANewOne()
    {
        var storage = NewStorage();
        var state = new GrainState<ItemRecord>(Item("i1"));
        await storage.WriteStateAsync("item", Grain, state);
        await storage.ClearStateAsync("item", Grain, state);
        Assert.False(state.RecordExists);

        var read = new GrainState<ItemRecord>();
        await NewStorage().ReadStateAsync("item", Grain, read);
        Assert.False(read.RecordExists);

        state.State = Item("again");
        await storage.WriteStateAsync("item", Grain, state);
        await NewStorage().ReadStateAsync("item", Grain, read);
        Assert.Equal("again", read.State!.ItemId);
    }

    [Fact]
    public async Task StatesOfDifferentGrainsAndStateNamesAreIndependent()
    {
        var storage = NewStorage();
        var a = GrainId.Create("user", "a");
        var b = GrainId.Create("user", "b");
        var other = GrainId.Create("item", "a");
        await storage.WriteStateAsync("item", a, new GrainState<ItemRecord>(Item("for-a")));
        await storage.WriteStateAsync("item", b, new GrainState<ItemRecord>(Item("for-b")));
        await storage.WriteStateAsync("item", other, new GrainState<ItemRecord>(Item("for-item-a")));
        await storage.WriteStateAsync("other", a, new GrainState<ItemRecord>(Item("other-name")));

        foreach (var (grain, name, expected) in new[] { (a, "item", "for-a"), (b, "item", "for-b"), (other, "item", "for-item-a"), (a, "other", "other-name") })
        {
            var read = new GrainState<ItemRecord>();
            await NewStorage().ReadStateAsync(name, grain, read);
            Assert.Equal(expected, read.State!.ItemId);
        }
    }

    [Fact]
    public async Task ALargeStateRoundTrips()
    {
        var properties = Enumerable.Range(0, 2000).ToImmutableDictionary(i => "key" + i, i => new string('x', 100));
        var state = new GrainState<ItemRecord>(new ItemRecord("big", [], true, properties, DateTimeOffset.UnixEpoch));
        await NewStorage().WriteStateAsync("item", Grain, state);

        var read = new GrainState<ItemRecord>();
        await NewStorage().ReadStateAsync("item", Grain, read);
        Assert.Equal(2000, read.State!.Properties.Count);
    }

    [Fact]
    public async Task OfTwoConcurrentWritersWithTheSameETagAtMostOneWins()
    {
        var storage = NewStorage();
        var initial = new GrainState<ItemRecord>(Item("v0"));
        await storage.WriteStateAsync("item", Grain, initial);

        var writers = Enumerable.Range(0, 2).Select(i => Task.Run(async () =>
        {
            try
            {
                await NewStorage().WriteStateAsync("item", Grain, new GrainState<ItemRecord>(Item("w" + i)) { ETag = initial.ETag });
                return true;
            }
            catch (InconsistentStateException)
            {
                return false;
            }
        })).ToArray();
        var wins = (await Task.WhenAll(writers)).Count(won => won);
        Assert.True(wins <= 1, $"{wins} writers won with the same ETag");
    }
}
