using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Serialization;
using Orleans.Storage;
using RecoGrid.Storage.FileSystem;

namespace RecoGrid.Storage.Tests;

/// <summary>The grain-state contract on the local file system, plus what is particular to files.</summary>
public sealed class FileGrainStorageTests : GrainStorageContract, IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "recogrid-storage-" + Guid.NewGuid().ToString("N"));
    private readonly ServiceProvider _services = new ServiceCollection().AddSerializer().BuildServiceProvider();

    private static readonly GrainId Grain = GrainId.Create("user", "alice");

    public void Dispose()
    {
        _services.Dispose();
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    protected override IGrainStorage NewStorage() => NewFileStorage();

    private FileGrainStorage NewFileStorage() =>
        new("users", new FileGrainStorageOptions { RootDirectory = _root }, new OrleansGrainStorageSerializer(_services.GetRequiredService<Serializer>()));

    [Fact]
    public async Task ATruncatedStateFileFailsWithAMessageNamingTheFile()
    {
        var storage = NewFileStorage();
        await storage.WriteStateAsync("item", Grain, new GrainState<Abstractions.ItemRecord>(Item("i1")));
        var file = Directory.EnumerateFiles(_root, "*.state", SearchOption.AllDirectories).Single();
        var bytes = await File.ReadAllBytesAsync(file);
        await File.WriteAllBytesAsync(file, bytes[..^3]);

        var error = await Assert.ThrowsAsync<InvalidDataException>(() => storage.ReadStateAsync("item", Grain, new GrainState<Abstractions.ItemRecord>()));
        Assert.Contains(file, error.Message, StringComparison.Ordinal);
        Assert.Contains("truncated", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WritesLeaveNoTemporaryFilesBehind()
    {
        var storage = NewFileStorage();
        var state = new GrainState<Abstractions.ItemRecord>(Item("i1"));
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
        var validator = new FileGrainStorageOptionsValidator(new FileGrainStorageOptions { RootDirectory = " " }, "users");
        var error = Assert.Throws<OrleansConfigurationException>(validator.ValidateConfiguration);
        Assert.Contains("Orleans:GrainStorage:users:RootDirectory", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConfigurationAloneSelectsTheFileProviderAndItsFolder()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orleans:GrainStorage:things:ProviderType"] = FileGrainStorageExtensions.ProviderType,
            ["Orleans:GrainStorage:things:RootDirectory"] = _root,
            ["Orleans:GrainStorage:things:FlushToDisk"] = "false",
        });
        builder.UseOrleans(silo => silo.UseLocalhostClustering());
        using var host = builder.Build();

        var storage = host.Services.GetRequiredKeyedService<IGrainStorage>("things");
        Assert.IsType<FileGrainStorage>(storage);
        await storage.WriteStateAsync("item", Grain, new GrainState<Abstractions.ItemRecord>(Item("configured")));
        Assert.Single(Directory.EnumerateFiles(_root, "*.state", SearchOption.AllDirectories));
    }

    [Fact]
    public void AMisspeltFlushSettingIsRefusedNamingTheSetting()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orleans:GrainStorage:things:ProviderType"] = FileGrainStorageExtensions.ProviderType,
            ["Orleans:GrainStorage:things:FlushToDisk"] = "sometimes",
        });
        builder.UseOrleans(silo => silo.UseLocalhostClustering());
        using var host = builder.Build();

        var error = Assert.Throws<OrleansConfigurationException>(() => host.Services.GetRequiredKeyedService<IGrainStorage>("things"));
        Assert.Contains("Orleans:GrainStorage:things:FlushToDisk", error.Message, StringComparison.Ordinal);
    }
}
