using RecoGrid.Storage.Training;

namespace RecoGrid.Storage.Tests.Training;

/// <summary>What every training block store backend must do; each backend's test class derives from this.</summary>
public abstract class TrainingBlockStoreContract
{
    /// <summary>A store instance; two calls must see the same blocks (like two training silos of one cluster).</summary>
    protected abstract ITrainingBlockStore NewStore();

    private static byte[] Bytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    [Fact]
    public async Task AWrittenBlockReadsBackTheSameBytesFromAnotherNode()
    {
        var content = Bytes(300_000, 1);
        await NewStore().WriteAsync("job-a/items/block-0", content);

        Assert.Equal(content, await NewStore().ReadAsync("job-a/items/block-0"));
        Assert.True(await NewStore().ExistsAsync("job-a/items/block-0"));
    }

    [Fact]
    public async Task AnEmptyBlockIsABlock()
    {
        await NewStore().WriteAsync("job-e/empty", ReadOnlyMemory<byte>.Empty);

        Assert.Empty(await NewStore().ReadAsync("job-e/empty"));
        Assert.True(await NewStore().ExistsAsync("job-e/empty"));
    }

    [Fact]
    public async Task AWriteReplacesTheWholeBlock()
    {
        var store = NewStore();
        await store.WriteAsync("job-b/factors", Bytes(100_000, 2));
        var shorter = Bytes(10, 3);
        await store.WriteAsync("job-b/factors", shorter);

        Assert.Equal(shorter, await NewStore().ReadAsync("job-b/factors"));
    }

    [Fact]
    public async Task AMissingBlockIsReportedByName()
    {
        var store = NewStore();
        Assert.False(await store.ExistsAsync("job-none/block"));
        var missing = await Assert.ThrowsAsync<TrainingBlockNotFoundException>(() => store.ReadAsync("job-none/block"));
        Assert.Equal("job-none/block", missing.Name);
    }

    [Fact]
    public async Task DeletingAJobRemovesItsBlocksAndOnlyThose()
    {
        var store = NewStore();
        foreach (var name in new[] { "job-1/a", "job-1/deep/b", "job-10/a", "job-2/a" })
        {
            await store.WriteAsync(name, Bytes(64, name.Length));
        }

        await store.DeleteAllAsync("job-1");

        Assert.False(await store.ExistsAsync("job-1/a"));
        Assert.False(await store.ExistsAsync("job-1/deep/b"));
        Assert.True(await store.ExistsAsync("job-10/a"));
        Assert.True(await store.ExistsAsync("job-2/a"));
        await store.DeleteAllAsync("job-never-written");
    }

    [Theory]
    [InlineData("")]
    [InlineData("job/../escape")]
    [InlineData("job//double")]
    [InlineData("job/with space")]
    [InlineData("/absolute")]
    public async Task NamesOutsideTheRuleAreRefusedBeforeAnythingIsWritten(string name)
    {
        var store = NewStore();
        await Assert.ThrowsAsync<ArgumentException>(() => store.WriteAsync(name, Bytes(8, 4)));
        await Assert.ThrowsAsync<ArgumentException>(() => store.ReadAsync(name));
    }

    [Fact]
    public async Task AReaderDuringReplacementsSeesTheOldBlockOrTheNewOneNeverAMix()
    {
        var versions = Enumerable.Range(0, 4).Select(i => Bytes(256 * 1024, 10 + i)).ToArray();
        var store = NewStore();
        await store.WriteAsync("job-c/gram", versions[0]);
        var writer = Task.Run(async () =>
        {
            for (var round = 1; round < 12; round++)
            {
                await store.WriteAsync("job-c/gram", versions[round % versions.Length]);
            }
        });

        var reader = NewStore();
        var reads = 0;
        while (!writer.IsCompleted || reads < 3)
        {
            var read = await reader.ReadAsync("job-c/gram");
            Assert.Contains(versions, v => v.AsSpan().SequenceEqual(read));
            reads++;
        }

        await writer;
    }
}
