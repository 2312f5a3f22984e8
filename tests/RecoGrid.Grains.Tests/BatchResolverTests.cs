using System.Collections.Immutable;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Log;
using RecoGrid.Storage.FileSystem.Log;
using RecoGrid.Storage.Log;

namespace RecoGrid.Grains.Tests;

/// <summary>Batches left open by a dead sender, decided from what a real file log holds in the other partitions.</summary>
public sealed class BatchResolverTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "recogrid-resolver-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task ABatchIsCommittedExactlyWhenEveryPartIsInItsPartitionAndNoneWasAborted()
    {
        var store = new FileInteractionLogStore(new FileInteractionLogOptions { RootDirectory = _root, Partitions = 3 });
        ImmutableArray<int> all = [0, 1, 2];
        var complete = Guid.NewGuid();
        var missingPart = Guid.NewGuid();
        var abortedElsewhere = Guid.NewGuid();
        var twoPartitions = Guid.NewGuid();
        var own = new Dictionary<Guid, EventsEntry>();
        var writers = new List<ILogPartitionWriter>();
        for (var p = 0; p < 3; p++)
        {
            writers.Add(await store.OpenWriterAsync(p));
        }

        async Task AppendPart(int partition, Guid batch, ImmutableArray<int> partitions)
        {
            var part = new LogBatchPart(batch, partitions.Length, partitions, [new LoggedEvent("u" + partition, new Interaction("i", "view", 1f, null, DateTimeOffset.UtcNow), null)]);
            var sequence = await writers[partition].AppendAsync([LogCodec.EncodeEvents(part, part.Events)]);
            if (partition == 0)
            {
                own[batch] = new EventsEntry(sequence, DateTimeOffset.UtcNow, batch, part.PartCount, partitions, part.Events);
            }
        }

        foreach (var p in all)
        {
            await AppendPart(p, complete, all);
            await AppendPart(p, abortedElsewhere, all);
        }

        await AppendPart(0, missingPart, all);
        await AppendPart(2, missingPart, all);
        await AppendPart(0, twoPartitions, [0, 2]);
        await AppendPart(2, twoPartitions, [0, 2]);
        await writers[1].AppendAsync([LogCodec.EncodeDecision(abortedElsewhere, committed: false)]);
        foreach (var writer in writers)
        {
            await writer.DisposeAsync();
        }

        var decided = await BatchResolver.DecideAsync(store, 0, own.Values.ToList(), CancellationToken.None);

        Assert.True(decided[complete]);
        Assert.False(decided[missingPart]);
        Assert.False(decided[abortedElsewhere]);
        Assert.True(decided[twoPartitions]);
        Assert.True(await BatchResolver.AllPartsPresentAsync(store, 0, own[complete], CancellationToken.None));
        Assert.False(await BatchResolver.AllPartsPresentAsync(store, 0, own[missingPart], CancellationToken.None));
    }
}
