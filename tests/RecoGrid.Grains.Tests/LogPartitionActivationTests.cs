using RecoGrid.Abstractions;

namespace RecoGrid.Grains.Tests;

/// <summary>A log partition whose activation fails (its storage unreadable for a while) comes back by itself.</summary>
public sealed class LogPartitionActivationTests
{
    [Fact]
    public async Task APartitionWhoseActivationFailedActivatesOnceTheFaultIsGoneWithoutLockingItself()
    {
        await using var fixture = await ClusterFixture.StartAsync();
        const int partition = 3;
        var user = LogTestExtensions.UserIn(partition, "activation-");
        var interaction = new Interaction("item-1", "view", 1, null, fixture.Time.GetUtcNow());

        // The partition's recovery point cannot be read: the writer opens, then the activation fails.
        var meta = Path.Combine(fixture.DataDir, "log", "p003", "meta");
        Directory.CreateDirectory(meta);
        var positions = Path.Combine(meta, "positions.meta");
        await File.WriteAllBytesAsync(positions, [1, 2, 3, 4, 5, 6, 7, 8]);
        await Assert.ThrowsAnyAsync<Exception>(() => fixture.Grains.Log(user, interaction));

        // Once it can be read, the next activation opens the writer again: the failed one let its writer go.
        File.Delete(positions);
        var appended = await fixture.Grains.Log(user, interaction);
        Assert.Equal(1, appended.Accepted);
        Assert.Equal(1, (await fixture.Grains.GetGrain<IUserGrain>(user).GetSummary()).TotalEvents);
    }
}
