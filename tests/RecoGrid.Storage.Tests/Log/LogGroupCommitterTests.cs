using Microsoft.Extensions.Time.Testing;
using RecoGrid.Storage.FileSystem.Log;
using RecoGrid.Storage.Log;
using static RecoGrid.Storage.Tests.Log.LogTestData;

namespace RecoGrid.Storage.Tests.Log;

public sealed class LogGroupCommitterTests : FileLogTestBase
{
    [Fact]
    public async Task CallersQueuedDuringAFlushShareTheNextOne()
    {
        var store = NewStore();
        var writer = new RecordingWriter(await store.OpenWriterAsync(0));
        await using var committer = new LogGroupCommitter(writer);
        var gate = writer.HoldNextAppend();
        var first = committer.AppendAsync(Records(0, 1));
        await writer.Held;

        var queued = Enumerable.Range(1, 49).Select(i => committer.AppendAsync(Records(i, 2))).ToList();
        gate.SetResult();
        var sequences = await Task.WhenAll(queued);

        Assert.Equal(0, await first);
        Assert.Equal([1, 98], writer.AppendSizes);
        Assert.Equal(Enumerable.Range(0, 49).Select(i => 1L + (2 * i)), sequences);
        var counters = committer.Counters;
        Assert.Equal((50L, 2L, 99L, 0L), (counters.Appends, counters.Flushes, counters.Records, counters.FailedFlushes));
        Assert.Equal(98, counters.LargestFlushRecords);
        Assert.Equal(1, writer.MaxConcurrentAppends);
    }

    [Fact]
    public async Task EachCallersRecordsAreContiguousAndInTheOrderTheCallsWereMade()
    {
        var store = NewStore(flushToDisk: false);
        var writer = new RecordingWriter(await store.OpenWriterAsync(0));
        var gate = writer.HoldNextAppend();
        await using (var committer = new LogGroupCommitter(writer, new LogGroupCommitOptions { MaxBatchRecords = 7 }))
        {
            var next = 0;
            var calls = new List<(int From, int Count, Task<long> Sequence)>();
            for (var i = 0; i < 40; i++)
            {
                var count = (i % 3) + 1;
                calls.Add((next, count, committer.AppendAsync(Records(next, count))));
                next += count;
            }

            gate.SetResult();
            foreach (var (from, _, sequence) in calls)
            {
                Assert.Equal(from, await sequence);
            }
        }

        var records = await store.ReadAllAsync(0);
        Assert.Equal(Enumerable.Range(0, records.Count).Select(i => $"event-{i}"), records.Select(Text));
        Assert.All(writer.AppendSizes, size => Assert.InRange(size, 1, 7));
    }

    [Fact]
    public async Task AFlushTakesWholeAppendsUpToTheByteCapAndAnOversizedOneAlone()
    {
        var store = NewStore(flushToDisk: false);
        var writer = new RecordingWriter(await store.OpenWriterAsync(0));
        await using var committer = new LogGroupCommitter(writer, new LogGroupCommitOptions { MaxBatchBytes = 1000 });
        var gate = writer.HoldNextAppend();
        var blocker = committer.AppendAsync([new LogAppend(1, new byte[10])]);
        await writer.Held;

        var appends = new[] { 400, 400, 400, 3000, 100, 100 }
            .Select(size => committer.AppendAsync([new LogAppend(1, new byte[size / 2]), new LogAppend(1, new byte[size / 2])]))
            .ToList();
        gate.SetResult();
        await Task.WhenAll(appends.Append(blocker));

        Assert.Equal([1, 4, 2, 2, 4], writer.AppendSizes);
        Assert.Equal(4400 + 10, committer.Counters.PayloadBytes);
    }

    [Fact]
    public async Task AFailingFlushFailsExactlyItsCallersAndTheNextFlushSucceeds()
    {
        var store = NewStore();
        var writer = new RecordingWriter(await store.OpenWriterAsync(0));
        await using var committer = new LogGroupCommitter(writer, new LogGroupCommitOptions { MaxBatchRecords = 10 });
        var gate = writer.HoldNextAppend();
        var first = committer.AppendAsync(Records(0, 1));
        await writer.Held;

        var failing = Enumerable.Range(0, 5).Select(_ => committer.AppendAsync(Records(100, 2))).ToList();
        var later = Enumerable.Range(0, 3).Select(i => committer.AppendAsync(Records(1 + i, 1))).ToList();
        // The held append is flushed first; the one after it, holding exactly the five failing callers, is the one that fails.
        var flushes = 0;
        store.FaultInjector = (_, operation) =>
            operation == FileLogOperation.Flush && Interlocked.Increment(ref flushes) == 2 ? new IOException("disk full (injected)") : null;
        gate.SetResult();

        Assert.Equal(0, await first);
        foreach (var call in failing)
        {
            var error = await Assert.ThrowsAsync<IOException>(() => call);
            Assert.Equal("disk full (injected)", error.Message);
        }

        var laterSequences = await Task.WhenAll(later);
        Assert.Equal([1L, 2, 3], laterSequences);
        Assert.Equal([1, 10, 3], writer.AppendSizes);
        Assert.Equal(Enumerable.Range(0, 4).Select(i => $"event-{i}"), (await store.ReadAllAsync(0)).Select(Text));
        Assert.Equal((1L, 2L, 4L), (committer.Counters.FailedFlushes, committer.Counters.Flushes, committer.Counters.Appends));
    }

    [Fact]
    public async Task TheMaxDelayLetsCallersThatArriveWithinItJoinTheFlush()
    {
        var time = new FakeTimeProvider();
        var store = NewStore(flushToDisk: false);
        var writer = new RecordingWriter(await store.OpenWriterAsync(0));
        await using var committer = new LogGroupCommitter(writer, new LogGroupCommitOptions { MaxDelay = TimeSpan.FromMilliseconds(5) }, time);

        var calls = new List<Task<long>> { committer.AppendAsync(Records(0, 1)) };
        calls.Add(committer.AppendAsync(Records(1, 1)));
        Assert.False(calls[0].IsCompleted);
        calls.Add(committer.AppendAsync(Records(2, 1)));

        // The flush loop may start its wait before or after the clock moves (it runs on the thread pool): the clock
        // moves on until the flush has happened, so a wait begun late is ended too.
        var all = Task.WhenAll(calls);
        while (!all.IsCompleted)
        {
            time.Advance(TimeSpan.FromMilliseconds(5));
            await Task.WhenAny(all, Task.Delay(10));
        }

        var sequences = await all;
        Assert.Equal([0L, 1, 2], sequences);
        Assert.Equal([3], writer.AppendSizes);
    }

    [Fact]
    public async Task AFullQueueIsFlushedWithoutWaitingForTheMaxDelay()
    {
        var store = NewStore(flushToDisk: false);
        var writer = new RecordingWriter(await store.OpenWriterAsync(0));
        await using var committer = new LogGroupCommitter(writer, new LogGroupCommitOptions { MaxDelay = TimeSpan.FromHours(1), MaxBatchRecords = 4 }, new FakeTimeProvider());

        var calls = Enumerable.Range(0, 4).Select(i => committer.AppendAsync(Records(i, 1))).ToList();

        var sequences = await Task.WhenAll(calls);
        Assert.Equal([0L, 1, 2, 3], sequences);
    }

    [Fact]
    public async Task ACallerCancelledWhileQueuedIsLeftOutOfTheFlush()
    {
        var store = NewStore(flushToDisk: false);
        var writer = new RecordingWriter(await store.OpenWriterAsync(0));
        await using var committer = new LogGroupCommitter(writer);
        var gate = writer.HoldNextAppend();
        var first = committer.AppendAsync(Records(0, 1));
        await writer.Held;

        using var cancel = new CancellationTokenSource();
        var cancelled = committer.AppendAsync(Records(99, 5), cancel.Token);
        var kept = committer.AppendAsync(Records(1, 1));
        await cancel.CancelAsync();
        gate.SetResult();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        Assert.Equal(1, await kept);
        Assert.Equal([0L, 1], (await store.ReadAllAsync(0)).Select(r => r.Sequence));
        Assert.Equal(0, await first);
    }

    [Fact]
    public async Task ManyThreadsAppendingAtOnceGetDisjointContiguousRangesWithOneFlushAtATime()
    {
        var store = NewStore(flushToDisk: false);
        var writer = new RecordingWriter(await store.OpenWriterAsync(0));
        var committer = new LogGroupCommitter(writer);
        var claimed = new System.Collections.Concurrent.ConcurrentBag<(long First, int Count, int Caller)>();
        await Task.WhenAll(Enumerable.Range(0, 16).Select(caller => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                var count = 1 + ((caller + i) % 4);
                claimed.Add((await committer.AppendAsync(Records(caller, count, type: (byte)caller)), count, caller));
            }
        })));
        await committer.DisposeAsync();

        var ordered = claimed.OrderBy(c => c.First).ToList();
        var expectedFirst = 0L;
        foreach (var (first, count, _) in ordered)
        {
            Assert.Equal(expectedFirst, first);
            expectedFirst += count;
        }

        var records = await store.ReadAllAsync(0);
        Assert.Equal(expectedFirst, records.Count);
        foreach (var (first, count, caller) in ordered)
        {
            Assert.All(records.Skip((int)first).Take(count), r => Assert.Equal((byte)caller, r.Type));
        }

        Assert.Equal(1, writer.MaxConcurrentAppends);
        Assert.True(committer.Counters.Flushes <= 800);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => committer.AppendAsync(Records(0, 1)));
    }

    [Fact]
    public async Task DisposingFlushesWhatIsQueuedAndReleasesThePartition()
    {
        var store = NewStore(flushToDisk: false);
        var writer = new RecordingWriter(await store.OpenWriterAsync(0));
        var committer = new LogGroupCommitter(writer);
        var gate = writer.HoldNextAppend();
        var calls = Enumerable.Range(0, 5).Select(i => committer.AppendAsync(Records(i, 1))).ToList();
        await writer.Held;

        var disposing = committer.DisposeAsync().AsTask();
        gate.SetResult();
        await disposing;

        Assert.All(calls, c => Assert.True(c.IsCompletedSuccessfully));
        await using var reopened = await store.OpenWriterAsync(0);
        Assert.Equal(5, reopened.NextSequence);
    }
}
