using System.Collections.Immutable;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;
using Orleans.Storage;
using RecoGrid.Abstractions;
using RecoGrid.Storage.FileSystem;

namespace RecoGrid.Storage.Tests;

public sealed class FileGrainStorageTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "recogrid-storage-" + Guid.NewGuid().ToString("N"));
    private readonly ServiceProvider _services = new ServiceCollection().AddSerializer().BuildServiceProvider();

    private static readonly GrainId Grain = GrainId.Create("user", "alice/with:odd chars ✓");

    public void Dispose()
    {
        _services.Dispose();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private FileGrainStorage NewStorage() =>
        new("users", new FileGrainStorageOptions { RootDirectory = _root }, new OrleansGrainStorageSerializer(_services.GetRequiredService<Serializer>()));

    private static ItemRecord Item(string id, bool available = true) =>
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
            storage.WriteStateAsync("item", Grain, new GrainState<ItemRecord>(Item("loser"))));
    }

    [Fact]
    public async Task ClearingRemovesTheStateFile()
    {
        var storage = NewStorage();
        var state = new GrainState<ItemRecord>(Item("i1"));
        await storage.WriteStateAsync("item", Grain, state);
        await storage.ClearStateAsync("item", Grain, state);

        Assert.False(state.RecordExists);
        Assert.Empty(Directory.EnumerateFiles(_root, "*.state", SearchOption.AllDirectories));
        var read = new GrainState<ItemRecord>();
        await storage.ReadStateAsync("item", Grain, read);
        Assert.False(read.RecordExists);
    }

    [Fact]
    public async Task ATruncatedStateFileFailsWithAMessageNamingTheFile()
    {
        var storage = NewStorage();
        await storage.WriteStateAsync("item", Grain, new GrainState<ItemRecord>(Item("i1")));
        var file = Directory.EnumerateFiles(_root, "*.state", SearchOption.AllDirectories).Single();
        var bytes = await File.ReadAllBytesAsync(file);
        await File.WriteAllBytesAsync(file, bytes[..^3]);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => storage.ReadStateAsync("item", Grain, new GrainState<ItemRecord>()));
        Assert.Contains(file, error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WritesLeaveNoTemporaryFilesBehind()
    {
        var storage = NewStorage();
        var state = new GrainState<ItemRecord>(Item("i1"));
        for (var i = 0; i < 5; i++)
        {
            state.State = Item("i" + i);
            await storage.WriteStateAsync("item", Grain, state);
        }

        var files = Directory.EnumerateFiles(_root, "*", SearchOption.AllDirectories).ToList();
        Assert.Single(files);
        Assert.Equal("5", state.ETag);
    }

    [Fact]
    public void AnEmptyRootDirectoryIsRejectedByTheValidatorNamingTheSetting()
    {
        var result = new FileGrainStorageOptionsValidator().Validate("users", new FileGrainStorageOptions { RootDirectory = " " });
        Assert.True(result.Failed);
        Assert.Contains("Storage:users:RootDirectory", result.FailureMessage, StringComparison.Ordinal);
    }
}
