using RecoGrid.Abstractions;

namespace RecoGrid.Grains.Tests;

/// <summary>Multi-partition batches whose sender died before committing are decided by the partitions' timers.</summary>
public sealed class LeftOpenBatchTests
{
    [Fact]
    public async Task ABatchLeftOpenIsCommittedWhenEveryPartIsDurableAndAbortedWhenOneIsMissing()
    {
        await using var fixture = await ClusterFixture.StartAsync();

        // The log stamps records with the system clock and the partitions compare those stamps with their own
        // clock (one clock in a real node): start RecoGrid's clock at the same time.
        fixture.Time.SetUtcNow(DateTimeOffset.UtcNow);
        var a = LogTestExtensions.UserIn(1, "open-a");
        var b = LogTestExtensions.UserIn(2, "open-b");
        var view = new Interaction("item-1", "view", 1, null, fixture.Time.GetUtcNow());
        LogBatchPart Part(Guid batch, string user) => new(batch, 2, [1, 2], [new LoggedEvent(user, view, null)]);

        // Both parts durable, no commit; and a batch whose second part never arrived.
        var complete = Guid.NewGuid();
        var torn = Guid.NewGuid();
        await fixture.Grains.GetGrain<ILogPartitionGrain>(1).Append(Part(complete, a));
        await fixture.Grains.GetGrain<ILogPartitionGrain>(2).Append(Part(complete, b));
        await fixture.Grains.GetGrain<ILogPartitionGrain>(1).Append(Part(torn, a));
        Assert.Equal(2, (await fixture.Grains.GetGrain<ILogPartitionGrain>(1).GetStatus()).PendingBatches);

        // Past Log:PendingTimeout the partitions' timers decide them from what the other partition holds.
        fixture.Time.Advance(TimeSpan.FromSeconds(31));
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while ((await fixture.Grains.GetGrain<ILogPartitionGrain>(1).GetStatus()).PendingBatches + (await fixture.Grains.GetGrain<ILogPartitionGrain>(2).GetStatus()).PendingBatches > 0)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(60), "the timers did not decide the batches left open");
            await Task.Delay(100);
        }

        Assert.Equal(1, (await fixture.Grains.GetGrain<IUserGrain>(a).GetSummary()).TotalEvents);
        Assert.Equal(1, (await fixture.Grains.GetGrain<IUserGrain>(b).GetSummary()).TotalEvents);
    }
}
