using RecoGrid.Storage.Models;

namespace RecoGrid.Storage.Tests;

/// <summary>What every model registry backend must do; each backend's test class derives from this.</summary>
public abstract class ModelRegistryContract
{
    /// <summary>A registry instance; two calls must see the same registry (like the CLI and a server).</summary>
    protected abstract IModelRegistry NewRegistry();

    private static Func<string, CancellationToken, Task<ModelVersionInfo>> Files(string content, int items = 3) => async (staging, ct) =>
    {
        Directory.CreateDirectory(Path.Combine(staging, "training"));
        await File.WriteAllTextAsync(Path.Combine(staging, "training", "factors.txt"), content, ct);
        await File.WriteAllTextAsync(Path.Combine(staging, "top.txt"), "top-" + content, ct);
        return new ModelVersionInfo("pending", DateTimeOffset.UnixEpoch, "test", items, 8, new Dictionary<string, double> { ["ndcg@100"] = 0.5 });
    };

    [Fact]
    public async Task ANewRegistryHasNoVersionsAndNothingActive()
    {
        var state = await NewRegistry().GetAsync();
        Assert.Empty(state.Versions);
        Assert.Null(state.Active);
        Assert.Empty(state.History);
    }

    [Fact]
    public async Task AddedVersionsAreNumberedAndTheirFilesReadBack()
    {
        var registry = NewRegistry();
        var first = await registry.AddAsync(Files("one"));
        var second = await registry.AddAsync(Files("two", items: 7));
        Assert.Equal("v1", first.Version);
        Assert.Equal("v2", second.Version);

        var state = await NewRegistry().GetAsync();
        Assert.Equal(["v1", "v2"], state.Versions.Select(v => v.Version).ToArray());
        Assert.Equal(7, state.Find("v2")!.Items);
        Assert.Equal(0.5, state.Find("v1")!.Metrics!["ndcg@100"]);

        using (var reader = new StreamReader(await NewRegistry().OpenReadAsync("v2", "training/factors.txt")))
        {
            Assert.Equal("two", await reader.ReadToEndAsync());
        }

        var folder = await NewRegistry().MaterializeAsync("v1");
        Assert.Equal("one", await File.ReadAllTextAsync(Path.Combine(folder, "training", "factors.txt")));
        Assert.Equal("top-one", await File.ReadAllTextAsync(Path.Combine(folder, "top.txt")));
    }

    [Fact]
    public async Task AFailedAddRegistersNothing()
    {
        var registry = NewRegistry();
        await Assert.ThrowsAsync<InvalidOperationException>(() => registry.AddAsync(async (staging, ct) =>
        {
            await File.WriteAllTextAsync(Path.Combine(staging, "half.txt"), "half", ct);
            throw new InvalidOperationException("export failed");
        }));

        Assert.Empty((await NewRegistry().GetAsync()).Versions);
        var next = await registry.AddAsync(Files("ok"));
        Assert.Equal("v1", next.Version);
    }

    [Fact]
    public async Task PromotingMakesAVersionActiveAndRollbackReturnsToThePreviousOne()
    {
        var registry = NewRegistry();
        await registry.AddAsync(Files("one"));
        await registry.AddAsync(Files("two"));

        await registry.PromoteAsync("v1");
        var promoted = await NewRegistry().PromoteAsync("v2");
        Assert.Equal("v2", promoted.Active);
        Assert.Equal(["v1"], promoted.History.ToArray());

        var rolledBack = await NewRegistry().RollbackAsync();
        Assert.Equal("v1", rolledBack.Active);
        Assert.Empty(rolledBack.History);
        Assert.Equal("v1", (await NewRegistry().GetAsync()).Active);
    }

    [Fact]
    public async Task PromotingTheActiveVersionAgainChangesNothing()
    {
        var registry = NewRegistry();
        await registry.AddAsync(Files("one"));
        await registry.PromoteAsync("v1");
        var again = await registry.PromoteAsync("v1");
        Assert.Equal("v1", again.Active);
        Assert.Empty(again.History);
    }

    [Fact]
    public async Task UnknownVersionsFilesAndRollbacksAreRefusedWithAReason()
    {
        var registry = NewRegistry();
        var rollback = await Assert.ThrowsAsync<ModelRegistryException>(() => registry.RollbackAsync());
        Assert.Contains("nothing to roll back", rollback.Message, StringComparison.Ordinal);

        await registry.AddAsync(Files("one"));
        var promote = await Assert.ThrowsAsync<ModelRegistryException>(() => registry.PromoteAsync("v9"));
        Assert.Contains("v1", promote.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ModelRegistryException>(() => registry.MaterializeAsync("v9"));
        await Assert.ThrowsAsync<ModelRegistryException>(() => registry.OpenReadAsync("v1", "missing.txt"));
        await Assert.ThrowsAsync<ModelRegistryException>(() => registry.OpenReadAsync("v1", "../registry.json"));

        await registry.PromoteAsync("v1");
        var first = await Assert.ThrowsAsync<ModelRegistryException>(() => registry.RollbackAsync());
        Assert.Contains("first promoted", first.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConcurrentAddsGetDistinctVersions()
    {
        var adds = Enumerable.Range(0, 6).Select(i => Task.Run(() => NewRegistry().AddAsync(Files("c" + i)))).ToArray();
        var versions = (await Task.WhenAll(adds)).Select(v => v.Version).ToList();
        Assert.Equal(6, versions.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(6, (await NewRegistry().GetAsync()).Versions.Count);
    }
    [Fact]
    public async Task ConcurrentPromotionsAreSerializedSoNeitherIsLost()
    {
        var registry = NewRegistry();
        foreach (var content in new[] { "one", "two", "three" })
        {
            await registry.AddAsync(Files(content));
        }

        await registry.PromoteAsync("v1");
        var promotions = new[] { "v2", "v3" }.Select(v => Task.Run(() => NewRegistry().PromoteAsync(v))).ToArray();
        await Task.WhenAll(promotions);

        var state = await NewRegistry().GetAsync();
        var other = state.Active == "v2" ? "v3" : "v2";
        Assert.Contains(state.Active, new[] { "v2", "v3" });
        Assert.Equal(["v1", other], state.History.ToArray());
    }
}
