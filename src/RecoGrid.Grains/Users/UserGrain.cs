using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Catalog;
using RecoGrid.Grains.CoVisitation;
using RecoGrid.Grains.Common;
using RecoGrid.Grains.Popularity;
using RecoGrid.Grains.Telemetry;
using RecoGrid.Storage.Log;

namespace RecoGrid.Grains.Users;

/// <summary>
/// One user's interactions, counters and vector: the projection of the user's records in the interaction log. Its
/// partition applies them in sequence order; the state is checkpointed lazily (by count, when asked, on deactivation)
/// and, when reloaded, catches up with the records its checkpoint lacks. Reentrant so that a checkpoint in flight does
/// not hold back the next record; each turn still runs alone.
/// </summary>
[Reentrant]
public sealed partial class UserGrain(
    [PersistentState("user", StorageNames.Users)] IPersistentState<UserState> state,
    IOptions<UserOptions> userOptions,
    IInteractionLogStore log,
    PopularityCache popularity,
    CatalogView catalog,
    IModelRecommender model,
    CoVisitationRecorder coVisits,
    RecommendationBlender blender,
    IClusterMembershipService membership,
    ILogger<UserGrain> logger) : Grain, IUserGrain
{
    private readonly Guid _activation = Guid.NewGuid();
    private SiloAddress? _partitionSilo;
    private Task? _resubscribing;
    private CoalescingWriter? _writer;
    private int _sinceCheckpoint;
    private bool _read;

    private CoalescingWriter Writer => _writer ??= new CoalescingWriter(() => state.WriteStateAsync(), DeactivateOnIdle);

    private string UserId => this.GetPrimaryKeyString();

    private ILogPartitionGrain Partition => GrainFactory.GetGrain<ILogPartitionGrain>(ShardHash.Shard(UserId, log.Partitions));

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await CatchUpAsync();
        GrainsMetrics.UserActivated();
    }

    public Task Resubscribe() => ResubscribeAsync();

    // Reads what the state lacks and subscribes this activation to the partition's current activation.
    private async Task CatchUpAsync()
    {
        var caughtUp = await Partition.CatchUp(UserId, state.State.LogPosition, _activation);
        _partitionSilo = caughtUp.Silo;
        foreach (var record in caughtUp.Records)
        {
            await ApplyRecord(record);
        }
    }

    private Task ResubscribeAsync()
    {
        if (_resubscribing is { IsCompleted: false } running)
        {
            return running;
        }

        return _resubscribing = ResubscribeOnceAsync();

        async Task ResubscribeOnceAsync()
        {
            try
            {
                await CatchUpAsync();
            }
            catch
            {
                // Not subscribed anywhere now: a fresh activation catches up when it is next called.
                DeactivateOnIdle();
                throw;
            }
        }
    }

    /// <summary>
    /// Completes once this activation is subscribed to a live partition activation. Subscribes again first when the
    /// silo of the one it subscribed to has died: no new records would reach it, and a read would miss acknowledged
    /// events. Applies and reads during a resubscription wait for it, so records stay in sequence order.
    /// </summary>
    private Task WhenSubscribed()
    {
        if (_partitionSilo is { } silo && membership.CurrentSnapshot.GetSiloStatus(silo).IsTerminating())
        {
            _partitionSilo = null;
            return ResubscribeAsync();
        }

        return _resubscribing is { IsCompleted: false } running ? running : Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        GrainsMetrics.UserDeactivated();
        Partition.Deactivated(UserId, _activation).Ignore();
        if (_sinceCheckpoint > 0)
        {
            try
            {
                await Checkpoint();
            }
            catch (Exception exception)
            {
                // The log still has the records; the next activation catches up with them.
                LogCheckpointFailed(exception);
            }
        }
    }

    public async Task Apply(SequencedInteractions record)
    {
        await WhenSubscribed();
        try
        {
            await ApplyRecord(record);
        }
        catch
        {
            // Memory may now differ from what the log says; the next activation rebuilds it from checkpoint and log.
            DeactivateOnIdle();
            throw;
        }

        if (_sinceCheckpoint >= userOptions.Value.CheckpointEvery)
        {
            await Checkpoint();
        }
    }

    public async Task Checkpoint()
    {
        var position = state.State.LogPosition;
        var since = _sinceCheckpoint;
        _sinceCheckpoint = 0;
        try
        {
            await Writer.WriteAsync();
        }
        catch
        {
            _sinceCheckpoint += since;
            throw;
        }

        Partition.Checkpointed(UserId, position).Ignore();
        if (!_read)
        {
            // Woken only to make its state durable (nobody reads it): give the memory back.
            DeactivateOnIdle();
        }
    }

    public Task<ImmutableArray<PopularityHit>> GetContributions() =>
        Task.FromResult<ImmutableArray<PopularityHit>>([.. state.State.Recent.Select(i => new PopularityHit(i.ItemId, i.Weight, i.Timestamp))]);

    public Task<UserSummary> GetSummary()
    {
        _read = true;
        var subscribed = WhenSubscribed();
        return subscribed.IsCompletedSuccessfully ? Task.FromResult(Summary()) : SummaryAfter(subscribed);

        async Task<UserSummary> SummaryAfter(Task pending)
        {
            await pending;
            return Summary();
        }
    }

    private UserSummary Summary()
    {
        var s = state.State;
        return new UserSummary(
            UserId,
            s.TotalEvents > 0,
            s.FirstSeen,
            s.LastSeen,
            s.TotalEvents,
            s.Counters.ToImmutableDictionary(StringComparer.Ordinal),
            [.. s.Recent],
            s.ModelVersion,
            s.Vector is not null);
    }

    public async Task<RecommendationResult> Recommend(RecommendationRequest request)
    {
        _read = true;
        await WhenSubscribed();
        var excluded = new HashSet<string>(request.Exclude.IsDefault ? [] : request.Exclude, StringComparer.Ordinal);
        if (request.ExcludeSeen)
        {
            foreach (var interaction in state.State.Recent)
            {
                excluded.Add(interaction.ItemId);
            }
        }

        var source = RecommendationSources.Popularity;
        RecommendationResult? modelResult;
        try
        {
            modelResult = await model.RecommendAsync(UserId, state, request, excluded);
        }
        catch (ScoringUnavailableException unavailable)
        {
            LogScoringUnavailable(unavailable.Message);
            modelResult = null;
            source = RecommendationSources.PopularityFallback;
        }

        var snapshot = await popularity.GetAsync();
        if (modelResult is not null)
        {
            modelResult = blender.Blend(UserId, state.State, request, modelResult, snapshot, await catalog.GetAsync(), excluded);
            GrainsMetrics.RecordRecommendation(modelResult);
            return modelResult;
        }

        if (request.ExcludeSeen)
        {
            excluded.UnionWith(await model.TrainingHistoryAsync(UserId, state.State));
        }

        var ranking = request.Category is null
            ? snapshot.Global
            : snapshot.ByCategory.GetValueOrDefault(request.Category, []);
        var view = await catalog.GetAsync();
        var items = ImmutableArray.CreateBuilder<ScoredItem>(Math.Min(request.Count, ranking.Length));
        foreach (var candidate in ranking)
        {
            if (items.Count == request.Count)
            {
                break;
            }

            if (!excluded.Contains(candidate.ItemId) && view.IsRecommendable(candidate.ItemId, request.Category))
            {
                items.Add(candidate);
            }
        }

        var result = blender.Blend(UserId, state.State, request, new RecommendationResult(items.ToImmutable(), source, null), snapshot, view, excluded);
        GrainsMetrics.RecordRecommendation(result);
        return result;
    }

    private async Task ApplyRecord(SequencedInteractions record)
    {
        var s = state.State;
        if (record.Sequence < s.LogPosition)
        {
            return; // Already in this state (a catch-up got there first).
        }

        if (record.Erase)
        {
            // The artifact's copy of the user is fenced off first: if this fails, the erasure is applied again from the log.
            await model.OnErasedAsync(UserId);
            state.State = new UserState { LogPosition = record.Sequence + 1 };
            _sinceCheckpoint = 0;
            await Writer.WriteAsync();
            Partition.Checkpointed(UserId, record.Sequence + 1).Ignore();
            return;
        }

        var added = record.Interactions.OrderBy(i => i.Timestamp).ToList();
        coVisits.Record(s.Recent, added);
        foreach (var interaction in added)
        {
            s.Recent.Add(interaction);
            s.Counters[interaction.Type] = s.Counters.GetValueOrDefault(interaction.Type) + 1;
            s.TotalEvents++;
            if (s.FirstSeen is null || interaction.Timestamp < s.FirstSeen)
            {
                s.FirstSeen = interaction.Timestamp;
            }

            if (s.LastSeen is null || interaction.Timestamp > s.LastSeen)
            {
                s.LastSeen = interaction.Timestamp;
            }
        }

        var overflow = s.Recent.Count - userOptions.Value.RecentCapacity;
        if (overflow > 0)
        {
            s.Recent.RemoveRange(0, overflow);
        }

        s.LogPosition = record.Sequence + 1;
        _sinceCheckpoint += Math.Max(1, record.Interactions.Length);
        model.OnInteractions(s);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "No scoring silo could rank for a user; answering with popularity: {Reason}")]
    private partial void LogScoringUnavailable(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A user checkpoint failed at deactivation; the next activation re-reads the log.")]
    private partial void LogCheckpointFailed(Exception exception);
}
