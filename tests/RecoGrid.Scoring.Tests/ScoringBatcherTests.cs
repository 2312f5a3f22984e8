using RecoGrid.Scoring.Batching;

namespace RecoGrid.Scoring.Tests;

public sealed class ScoringBatcherTests
{
    private static BatchRequest Request(int id) => new(new float[] { id, 0 }, ReadOnlyMemory<int>.Empty, 1);

    [Fact]
    public async Task ConcurrentRequestsAreDrainedIntoFewBatchesAndEveryCallerGetsItsOwnResult()
    {
        var runner = new GatedRunner();
        await using var batcher = new ScoringBatcher("v1", runner, TestModels.Options(o => o.MaxBatchSize = 256));

        var first = batcher.SubmitAsync(Request(0));
        await runner.FirstBatchStarted;
        var rest = new Task<RankedItems>[200];
        await Task.WhenAll(Enumerable.Range(0, 4).Select(worker => Task.Run(() =>
        {
            for (var i = worker; i < rest.Length; i += 4)
            {
                rest[i] = batcher.SubmitAsync(Request(i + 1));
            }
        })));
        Assert.Equal(200, batcher.QueueLength);
        runner.Release();

        var results = await Task.WhenAll(rest.Prepend(first));

        Assert.Equal([1, 200], runner.BatchSizes);
        for (var id = 0; id <= 200; id++)
        {
            Assert.Equal(id, results[id].Indices[0]);
        }
    }

    [Fact]
    public async Task AQueueLongerThanTheBatchSizeGoesInConsecutiveBatches()
    {
        var runner = new GatedRunner();
        await using var batcher = new ScoringBatcher("v1", runner, TestModels.Options(o => o.MaxBatchSize = 16));

        var first = batcher.SubmitAsync(Request(0));
        await runner.FirstBatchStarted;
        var rest = Enumerable.Range(1, 40).Select(id => batcher.SubmitAsync(Request(id))).ToArray();
        runner.Release();
        await Task.WhenAll(rest.Prepend(first));

        Assert.Equal([1, 16, 16, 8], runner.BatchSizes);
    }

    [Fact]
    public async Task AFullQueueRefusesAtOnceWithARetryAfterHint()
    {
        var runner = new GatedRunner();
        await using var batcher = new ScoringBatcher("v1", runner, TestModels.Options(o =>
        {
            o.MaxBatchSize = 4;
            o.QueueCapacity = 8;
        }));
        var inFlight = batcher.SubmitAsync(Request(0));
        await runner.FirstBatchStarted;
        var queued = Enumerable.Range(1, 8).Select(id => batcher.SubmitAsync(Request(id))).ToArray();

        var refusal = Assert.Throws<ScoringOverloadedException>(() => { _ = batcher.SubmitAsync(Request(9)); });

        Assert.True(refusal.RetryAfter > TimeSpan.Zero);
        Assert.Equal(8, refusal.QueueCapacity);
        Assert.Contains("Scoring:QueueCapacity", refusal.Message, StringComparison.Ordinal);
        runner.Release();
        await Task.WhenAll(queued.Prepend(inFlight));
        Assert.Equal(9, batcher.RequestCount);
    }

    [Fact]
    public async Task ACancelledQueuedRequestIsSkippedAndTheOthersStillComplete()
    {
        var runner = new GatedRunner();
        await using var batcher = new ScoringBatcher("v1", runner, TestModels.Options());
        var inFlight = batcher.SubmitAsync(Request(0));
        await runner.FirstBatchStarted;
        using var cancellation = new CancellationTokenSource();
        var cancelled = batcher.SubmitAsync(Request(1), cancellation.Token);
        var kept = batcher.SubmitAsync(Request(2));

        await cancellation.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled);
        runner.Release();

        Assert.Equal(2, (await kept).Indices[0]);
        await inFlight;
        Assert.Equal([1, 1], runner.BatchSizes);
    }

    [Fact]
    public async Task ARunnerFailureFailsOnlyThatBatchsCallers()
    {
        await using var batcher = new ScoringBatcher("v1", new ThrowingRunner(), TestModels.Options());

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => batcher.SubmitAsync(Request(1)));

        Assert.Equal("boom", error.Message);
    }

    [Fact]
    public async Task APartialBatchGoesWhenTheTimeCapElapses()
    {
        var clock = new ManualTimeProvider();
        var runner = new GatedRunner();
        runner.Release();
        await using var batcher = new ScoringBatcher("v1", runner, TestModels.Options(o =>
        {
            o.MaxBatchSize = 8;
            o.MaxBatchDelay = TimeSpan.FromMilliseconds(2);
        }), clock);

        var first = batcher.SubmitAsync(Request(1));
        var second = batcher.SubmitAsync(Request(2));
        await WaitUntil(() => clock.ActiveTimers == 1);
        Assert.False(first.IsCompleted);

        clock.Advance(TimeSpan.FromMilliseconds(2));

        Assert.Equal(1, (await first).Indices[0]);
        Assert.Equal(2, (await second).Indices[0]);
        Assert.Equal([2], runner.BatchSizes);
    }

    [Fact]
    public async Task AFullBatchGoesWithoutWaitingForTheTimeCap()
    {
        var clock = new ManualTimeProvider();
        var runner = new GatedRunner();
        runner.Release();
        await using var batcher = new ScoringBatcher("v1", runner, TestModels.Options(o =>
        {
            o.MaxBatchSize = 4;
            o.MaxBatchDelay = TimeSpan.FromSeconds(1);
        }), clock);

        // The clock never moves: only a full batch can release these requests.
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(id => batcher.SubmitAsync(Request(id))).ToArray());

        Assert.Equal([0, 1, 2, 3], results.Select(result => result.Indices[0]));
        Assert.Equal(4, runner.BatchSizes.Sum());
    }

    [Fact]
    public async Task ClosedLoopCallersFormTheirNextBatchWithoutWaitingForTheTimeCap()
    {
        var clock = new ManualTimeProvider();
        var runner = new GatedRunner();
        runner.Release();
        await using var batcher = new ScoringBatcher("v1", runner, TestModels.Options(o =>
        {
            o.MaxBatchSize = 256;
            o.MaxBatchDelay = TimeSpan.FromSeconds(1);
        }), clock);
        var firstRound = Enumerable.Range(0, 4).Select(id => batcher.SubmitAsync(Request(id))).ToArray();
        await WaitUntil(() => clock.ActiveTimers == 1);
        clock.Advance(TimeSpan.FromSeconds(1));
        await Task.WhenAll(firstRound);

        // The clock stands still from here: the same four callers coming back must be enough to send the batch.
        var secondRound = await Task.WhenAll(Enumerable.Range(10, 4).Select(id => batcher.SubmitAsync(Request(id))).ToArray());

        Assert.Equal([10, 11, 12, 13], secondRound.Select(result => result.Indices[0]));
        Assert.Equal([4, 4], runner.BatchSizes);
    }

    /// <summary>Yields until the batcher's loop has reached a state; no sleeps, no timing.</summary>
    private static async Task WaitUntil(Func<bool> condition)
    {
        for (var attempt = 0; attempt < 100_000 && !condition(); attempt++)
        {
            await Task.Yield();
        }

        Assert.True(condition());
    }

    private sealed class ThrowingRunner : IBatchRunner
    {
        public Task<IReadOnlyList<RankedItems>> RunAsync(IReadOnlyList<BatchRequest> batch, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("boom");
    }
}
