using RecoGrid.Scoring.Batching;
using RecoGrid.Scoring.Hosting;
using RecoGrid.Scoring.Onnx;

namespace RecoGrid.Scoring.Tests;

public sealed class ScoringEngineTests
{
    private const int Items = 200;
    private const int Factors = 8;

    private static float[] FactorsOf(string version) => TestModels.RandomMatrix(Items, Factors, seed: version[^1]);

    private static ScoringModelArtifact ArtifactOf(string version) =>
        ItemFactorModelExporter.Export(version, FactorsOf(version), Factors, TestModels.ItemIds(Items));

    private static ScoringRequest Request(string version, float[] user, int count = 10, Func<int, bool>? filter = null) =>
        new() { ModelVersion = version, UserVector = user, Count = count, Filter = filter };

    private static void AssertMatchesReference(string version, float[] user, Func<int, bool> allowed, int count, ScoringResult result)
    {
        Assert.Equal(version, result.ModelVersion);
        var reference = TestModels.ReferenceScores(FactorsOf(version), Items, user);
        TestModels.AssertTopK(reference, allowed, count, [.. result.Items.Select(item => item.Index)], [.. result.Items.Select(item => item.Score)]);
    }

    [Fact]
    public async Task RequestsAreScoredWithExclusionsGivenByIdAndByIndex()
    {
        await using var engine = new ScoringEngine(TestModels.Options());
        engine.LoadVersion(ArtifactOf("v1"));
        var user = TestModels.RandomMatrix(1, Factors, seed: 1);
        var reference = TestModels.ReferenceScores(FactorsOf("v1"), Items, user);
        var best = Enumerable.Range(0, Items).OrderByDescending(i => reference[i]).ToArray();

        var plain = await engine.ScoreAsync(Request("v1", user));
        var excluded = await engine.ScoreAsync(new ScoringRequest
        {
            ModelVersion = "v1",
            UserVector = user,
            Count = 10,
            ExcludeItemIds = [$"item-{best[0]}", "unknown-item"],
            ExcludeItemIndices = [best[1]],
        });

        AssertMatchesReference("v1", user, _ => true, 10, plain);
        Assert.All(plain.Items, item => Assert.Equal($"item-{item.Index}", item.ItemId));
        AssertMatchesReference("v1", user, i => i != best[0] && i != best[1], 10, excluded);
    }

    [Fact]
    public async Task UnavailableItemsNeverAppearInAnyLoadedOrLaterLoadedVersion()
    {
        await using var engine = new ScoringEngine(TestModels.Options());
        engine.LoadVersion(ArtifactOf("v1"));
        var user = TestModels.RandomMatrix(1, Factors, seed: 2);
        var reference = TestModels.ReferenceScores(FactorsOf("v1"), Items, user);
        var best = Enumerable.Range(0, Items).OrderByDescending(i => reference[i]).Take(3).ToArray();

        foreach (var index in best)
        {
            engine.SetItemAvailability($"item-{index}", available: false);
        }

        engine.LoadVersion(ArtifactOf("v2"));

        AssertMatchesReference("v1", user, i => !best.Contains(i), 10, await engine.ScoreAsync(Request("v1", user)));
        AssertMatchesReference("v2", user, i => !best.Contains(i), 10, await engine.ScoreAsync(Request("v2", user)));
    }

    [Fact]
    public async Task AFilterThatKeepsManyItemsIsServedFromTheOverFetchedList()
    {
        await using var engine = new ScoringEngine(TestModels.Options());
        engine.LoadVersion(ArtifactOf("v1"));
        var user = TestModels.RandomMatrix(1, Factors, seed: 3);
        static bool Even(int index) => index % 2 == 0;

        var result = await engine.ScoreAsync(Request("v1", user, count: 10, filter: Even));

        Assert.False(result.UsedCandidateFallback);
        AssertMatchesReference("v1", user, Even, 10, result);
    }

    [Fact]
    public async Task AFilterThatKeepsFewItemsFallsBackToTheCandidateGraph()
    {
        await using var engine = new ScoringEngine(TestModels.Options());
        engine.LoadVersion(ArtifactOf("v1"));
        var user = TestModels.RandomMatrix(1, Factors, seed: 4);
        static bool Rare(int index) => index % 25 == 3;
        var request = new ScoringRequest { ModelVersion = "v1", UserVector = user, Count = 5, Filter = Rare, ExcludeItemIndices = [28] };

        var result = await engine.ScoreAsync(request);

        Assert.True(result.UsedCandidateFallback);
        AssertMatchesReference("v1", user, i => Rare(i) && i != 28, 5, result);
    }

    [Fact]
    public async Task ARequestForAVersionThatIsNotLoadedFailsWithTheActiveVersion()
    {
        await using var engine = new ScoringEngine(TestModels.Options());
        engine.LoadVersion(ArtifactOf("v1"));

        var error = await Assert.ThrowsAsync<ModelVersionNotLoadedException>(() => engine.ScoreAsync(Request("v0", new float[Factors])));

        Assert.Equal("v0", error.RequestedVersion);
        Assert.Equal("v1", error.ActiveVersion);
    }

    [Fact]
    public async Task HotSwapUnderConcurrentLoadLosesNoRequestAndPinsEachRequestToItsVersion()
    {
        GatedRunner? v1Runner = null;
        var options = TestModels.Options(o => o.MaxLoadedVersions = 2);
        await using var engine = new ScoringEngine(options, null, null, model =>
        {
            var runner = new ModelBatchRunner(model);
            return model.ModelVersion == "v1" ? v1Runner = new GatedRunner(runner) : runner;
        });
        engine.LoadVersion(ArtifactOf("v1"));
        var v1Disposed = engine.DisposalOf("v1");
        var users = Enumerable.Range(0, 40).Select(i => TestModels.RandomMatrix(1, Factors, seed: 100 + i)).ToArray();

        // Background callers always score with whatever version is active when they start a request.
        using var stop = new CancellationTokenSource();
        var workers = Enumerable.Range(0, 4).Select(worker => Task.Run(async () =>
        {
            var outcomes = new List<(string Version, float[] User, ScoringResult? Result)>();
            for (var i = 0; i < 5 || !stop.IsCancellationRequested; i++)
            {
                var version = engine.ActiveVersion!;
                var user = users[(worker * 7 + i) % users.Length];
                try
                {
                    outcomes.Add((version, user, await engine.ScoreAsync(Request(version, user))));
                }
                catch (ModelVersionNotLoadedException)
                {
                    // The explicit answer when a version was retired between reading it and scoring: allowed, not lost.
                    outcomes.Add((version, user, null));
                }
            }

            return outcomes;
        })).ToArray();

        // Requests pinned to v1 acquire it synchronously; v1's first batch is held in flight while v2 and v3 are
        // loaded, which retires v1.
        var v1Requests = users.Select(user => (Version: "v1", User: user, Task: engine.ScoreAsync(Request("v1", user)))).ToList();
        await v1Runner!.FirstBatchStarted;
        engine.LoadVersion(ArtifactOf("v2"));
        var v2Requests = users.Select(user => (Version: "v2", User: user, Task: engine.ScoreAsync(Request("v2", user)))).ToList();
        await Task.WhenAll(v2Requests.Select(r => r.Task));
        engine.LoadVersion(ArtifactOf("v3"));

        Assert.Equal(["v2", "v3"], engine.LoadedVersions);
        Assert.Equal("v3", engine.ActiveVersion);
        Assert.False(v1Disposed.IsCompleted);
        await Assert.ThrowsAsync<ModelVersionNotLoadedException>(() => engine.ScoreAsync(Request("v1", users[0])));

        v1Runner.Release();
        foreach (var (version, user, task) in v1Requests.Concat(v2Requests))
        {
            AssertMatchesReference(version, user, _ => true, 10, await task);
        }

        await stop.CancelAsync();
        foreach (var (version, user, result) in (await Task.WhenAll(workers)).SelectMany(outcomes => outcomes))
        {
            if (result is not null)
            {
                AssertMatchesReference(version, user, _ => true, 10, result);
            }
        }

        await v1Disposed;
        AssertMatchesReference("v3", users[0], _ => true, 10, await engine.ScoreAsync(Request("v3", users[0])));
    }

    [Fact]
    public async Task ActivatingAndUnloadingVersionsKeepsTheActiveOneServing()
    {
        await using var engine = new ScoringEngine(TestModels.Options(o => o.MaxLoadedVersions = 3));
        engine.LoadVersion(ArtifactOf("v1"));
        engine.LoadVersion(ArtifactOf("v2"), activate: false);
        Assert.Equal("v1", engine.ActiveVersion);

        engine.Activate("v2");

        Assert.Throws<InvalidOperationException>(() => engine.Unload("v2"));
        Assert.True(engine.Unload("v1"));
        Assert.False(engine.Unload("v1"));
        Assert.Equal(["v2"], engine.LoadedVersions);
        var user = TestModels.RandomMatrix(1, Factors, seed: 9);
        AssertMatchesReference("v2", user, _ => true, 10, await engine.ScoreAsync(Request("v2", user)));
    }

    [Fact]
    public async Task ASaturatedVersionRefusesNewRequestsWithScoringOverloadedExceptionAndServesTheQueuedOnes()
    {
        GatedRunner? runner = null;
        var options = TestModels.Options(o =>
        {
            o.MaxBatchSize = 2;
            o.QueueCapacity = 4;
        });
        await using var engine = new ScoringEngine(options, null, null, model => runner = new GatedRunner(new ModelBatchRunner(model)));
        engine.LoadVersion(ArtifactOf("v1"));
        var user = TestModels.RandomMatrix(1, Factors, seed: 11);
        var inFlight = engine.ScoreAsync(Request("v1", user));
        await runner!.FirstBatchStarted;
        var queued = Enumerable.Range(0, 4).Select(_ => engine.ScoreAsync(Request("v1", user))).ToArray();

        var refusal = await Assert.ThrowsAsync<ScoringOverloadedException>(() => engine.ScoreAsync(Request("v1", user)));

        Assert.Equal("v1", refusal.ModelVersion);
        Assert.InRange(refusal.RetryAfter, TimeSpan.FromMilliseconds(1), TimeSpan.FromSeconds(5));
        runner.Release();
        foreach (var result in await Task.WhenAll(queued.Prepend(inFlight)))
        {
            AssertMatchesReference("v1", user, _ => true, 10, result);
        }
    }

    [Fact]
    public async Task InvalidRequestsAreRejectedBeforeTheyReachABatch()
    {
        await using var engine = new ScoringEngine(TestModels.Options());
        engine.LoadVersion(ArtifactOf("v1"));

        await Assert.ThrowsAsync<ArgumentException>(() => engine.ScoreAsync(Request("v1", new float[Factors + 1])));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => engine.ScoreAsync(Request("v1", new float[Factors], count: ScoringRequest.MaxCount + 1)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => engine.ScoreAsync(new ScoringRequest
        {
            ModelVersion = "v1",
            UserVector = new float[Factors],
            ExcludeItemIndices = [Items],
        }));
    }
}
