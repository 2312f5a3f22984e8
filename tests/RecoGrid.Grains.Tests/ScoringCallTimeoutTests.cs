using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.TestingHost;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Common;
using RecoGrid.Grains.Models;
using RecoGrid.Grains.Scoring;
using RecoGrid.Storage.FileSystem.Log;
using RecoGrid.Training.Linalg;
using RecoGrid.Training.Models;
using RecoGrid.Training.Solvers;

namespace RecoGrid.Grains.Tests;

/// <summary>
/// A scoring silo that stops answering (as one that died mid-call does until membership declares it dead): the
/// recommendation falls back to popularity after Scoring:CallTimeout on RecoGrid's clock, and the user grain keeps
/// serving its other requests meanwhile.
/// </summary>
public sealed class ScoringCallTimeoutTests : IAsyncLifetime
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(2);
    private static readonly string[] Items = [.. Enumerable.Range(0, 20).Select(i => $"item{i}")];
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "recogrid-scoring-timeout-" + Guid.NewGuid().ToString("N"));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly StallingBackend _backend = new();
    private InProcessTestCluster _cluster = null!;

    private IGrainFactory Grains => _cluster.Client;

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UseSiloMetadata(new Dictionary<string, string> { [NodeRole.MetadataKey] = NodeRole.All.Name });
            silo.AddMemoryGrainStorageAsDefault();
            silo.AddMemoryGrainStorage(StorageNames.Users);
            silo.AddMemoryGrainStorage(StorageNames.Catalog);
            silo.AddMemoryGrainStorage(StorageNames.Popularity);
            silo.Services.AddKeyedSingleton<TimeProvider>(RecoGridClock.Key, _time);
            silo.Services.AddSingleton<IActiveModelSource>(new Active(Model()));
            silo.Services.AddSingleton<IScoringBackend>(_backend);
            silo.Services.AddFileInteractionLog().Configure(o =>
            {
                o.RootDirectory = Path.Combine(_dataDir, "log");
                o.Partitions = ClusterFixture.Partitions;
                o.FlushToDisk = false;
            });
            silo.Services.AddRecoGridGrains();
            silo.Services.Configure<ModelPathOptions>(o => o.CallTimeout = CallTimeout);
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        _backend.ReleaseAll();
        await _cluster.DisposeAsync();
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task ARecommendationWhoseScoringCallStallsFallsBackToPopularityAfterTheCallTimeout()
    {
        var user = Grains.GetGrain<IUserGrain>("stalled-" + Guid.NewGuid().ToString("N"));
        await Grains.Log(user.GetPrimaryKeyString(), Event("item1"), Event("item2"));

        _backend.Stall();
        var recommending = user.Recommend(new RecommendationRequest(5, null, [], ExcludeSeen: true));
        await _backend.Received(1);
        _time.Advance(CallTimeout - TimeSpan.FromMilliseconds(100));
        await Task.Delay(50);
        Assert.False(recommending.IsCompleted, "the recommendation answered before Scoring:CallTimeout");

        _time.Advance(TimeSpan.FromMilliseconds(200));
        var result = await recommending.WaitAsync(TimeSpan.FromSeconds(20)); // below Orleans' 30 s response timeout
        Assert.Equal(RecommendationSources.PopularityFallback, result.Source);
        Assert.DoesNotContain(result.Items, i => i.ItemId is "item1" or "item2");

        // The silo answers again (or its successor does): the model ranks the user's next request.
        _backend.ReleaseAll();
        var recovered = await user.Recommend(new RecommendationRequest(5, null, [], ExcludeSeen: true));
        Assert.Equal(RecommendationSources.Model, recovered.Source);
    }

    [Fact]
    public async Task AUserWhoseScoringCallStallsStillAppliesEventsAndAnswersItsOtherRequests()
    {
        var userId = "busy-" + Guid.NewGuid().ToString("N");
        var user = Grains.GetGrain<IUserGrain>(userId);
        await Grains.Log(userId, Event("item1"));

        _backend.Stall();
        var first = user.Recommend(new RecommendationRequest(5, null, [], ExcludeSeen: true));
        await _backend.Received(1);

        // While the first request waits for scoring: events are applied, the summary answers, a second request is scored.
        await Grains.Log(userId, Event("item3")).WaitAsync(TimeSpan.FromSeconds(30));
        var summary = await user.GetSummary().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(2, summary.TotalEvents);
        var second = user.Recommend(new RecommendationRequest(5, null, [], ExcludeSeen: true));
        await _backend.Received(2);
        Assert.False(first.IsCompleted);

        _time.Advance(CallTimeout + TimeSpan.FromMilliseconds(1));
        Assert.Equal(RecommendationSources.PopularityFallback, (await first.WaitAsync(TimeSpan.FromSeconds(20))).Source);
        Assert.Equal(RecommendationSources.PopularityFallback, (await second.WaitAsync(TimeSpan.FromSeconds(20))).Source);
        var after = await user.GetSummary();
        Assert.Equal(2, after.TotalEvents);
    }

    private Interaction Event(string item) => new(item, "view", 1, null, _time.GetUtcNow());

    private static FoldInModel Model()
    {
        var factors = new float[Items.Length * 2];
        for (var i = 0; i < factors.Length; i++)
        {
            factors[i] = ((i % 7) + 1) / 7f;
        }

        var foldIn = new IalsFoldIn(factors, 2, GramMatrix.Compute(factors, Items.Length, 2, 1), new IalsSolveParameters(1f, 0.1f, 0f));
        return new FoldInModel("v1", Items, foldIn, trainedUsers: null);
    }

    private sealed class Active(FoldInModel model) : IActiveModelSource
    {
        public FoldInModel? Current => model;
    }

    /// <summary>Ranks the model's items in order, or, once stalled, holds every call until released.</summary>
    private sealed class StallingBackend : IScoringBackend
    {
        private readonly ConcurrentQueue<TaskCompletionSource> _held = new();
        private readonly SemaphoreSlim _received = new(0);
        private volatile bool _stalled;

        public void Stall() => _stalled = true;

        public void ReleaseAll()
        {
            _stalled = false;
            while (_held.TryDequeue(out var held))
            {
                held.TrySetResult();
            }
        }

        /// <summary>Waits (in real time) until <paramref name="count"/> calls have arrived since the last wait.</summary>
        public async Task Received(int count)
        {
            while (_held.Count < count)
            {
                Assert.True(await _received.WaitAsync(TimeSpan.FromSeconds(30)), "no scoring call arrived");
            }
        }

        public async Task<ScoreResponse> ScoreAsync(ScoreCall call, CancellationToken cancellationToken)
        {
            if (_stalled)
            {
                var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _held.Enqueue(held);
                _received.Release();
                await held.Task;
            }

            var excluded = call.Exclude.ToHashSet(StringComparer.Ordinal);
            return ScoreResponse.Ranked(call.ModelVersion, [.. Items.Where(i => !excluded.Contains(i)).Take(call.Count).Select((id, k) => new ScoredItem(id, 1.0 - (k * 0.01)))]);
        }
    }
}
