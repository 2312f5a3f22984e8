using System.Collections.Concurrent;
using System.Collections.Immutable;
using RecoGrid.Scoring.Batching;
using RecoGrid.Scoring.Onnx;
using RecoGrid.Scoring.Retrieval;

namespace RecoGrid.Scoring.Hosting;

/// <summary>
/// Holds the loaded model versions (the active one and up to <see cref="ScoringOptions.MaxLoadedVersions"/> − 1 previous
/// ones), each with its own sessions and batcher, and scores requests with the version they name. Swapping the active
/// version is an <see cref="Interlocked.Exchange{T}(ref T, T)"/> of an immutable state; a retired version is disposed
/// once its in-flight requests have finished. Requests take one of two paths (<see cref="RetrievalMode"/>): exact, the
/// full-catalogue graph; or two-stage, candidates from the sources (the version's ANN index first, then those given at
/// construction) filtered and ranked by the candidate graph, each path micro-batched on its own.
/// </summary>
public sealed class ScoringEngine : IAsyncDisposable
{
    private readonly ScoringOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly Action<string>? _warning;
    private readonly Func<ScoringModel, IBatchRunner> _runnerFactory;
    private readonly Func<ScoringModel, IBatchRunner> _candidateRunnerFactory;
    private readonly ICandidateSource[] _sources;
    private long _exactRequests;
    private long _annRequests;
    private long _exhaustiveFallbacks;
    private readonly Lock _writeGate = new();
    private readonly ConcurrentDictionary<string, bool> _unavailableItemIds = new(StringComparer.Ordinal);
    private EngineState _state = EngineState.Empty;

    /// <param name="options">Validated at construction.</param>
    /// <param name="timeProvider">Clock for the batchers' time cap; the system clock when null.</param>
    /// <param name="warning">Receives warnings such as a CPU fallback (wire it to a logger).</param>
    /// <param name="sources">Candidate sources of the two-stage path after the version's ANN index, in order.</param>
    public ScoringEngine(ScoringOptions options, TimeProvider? timeProvider = null, Action<string>? warning = null, IEnumerable<ICandidateSource>? sources = null)
        : this(options, timeProvider, warning, static model => new ModelBatchRunner(model), sources)
    {
    }

    internal ScoringEngine(ScoringOptions options, TimeProvider? timeProvider, Action<string>? warning, Func<ScoringModel, IBatchRunner> runnerFactory, IEnumerable<ICandidateSource>? sources = null)
    {
        ScoringOptionsValidator.ThrowIfInvalid(options);
        _options = options;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _warning = warning;
        _runnerFactory = runnerFactory;
        _candidateRunnerFactory = static model => new CandidateBatchRunner(model);
        _sources = [new AnnCandidateSource(), .. sources ?? []];
    }

    /// <summary>Requests answered by each path so far, and two-stage requests that needed the exact scan of every passing item.</summary>
    public (long Exact, long Ann, long ExhaustiveFallbacks) PathCounts =>
        (Interlocked.Read(ref _exactRequests), Interlocked.Read(ref _annRequests), Interlocked.Read(ref _exhaustiveFallbacks));

    /// <summary>The path a request for <paramref name="model"/> takes when it asks for <paramref name="requested"/>.</summary>
    public RetrievalMode ChoosePath(ScoringModel model, RetrievalMode requested)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.AnnIndex is null || requested == RetrievalMode.Exact)
        {
            return RetrievalMode.Exact;
        }

        return requested == RetrievalMode.Ann || model.ItemCount >= _options.AnnThreshold ? RetrievalMode.Ann : RetrievalMode.Exact;
    }

    /// <summary>The version new requests should be computed against, or null before the first load.</summary>
    public string? ActiveVersion => Volatile.Read(ref _state).Active;

    /// <summary>Loaded versions, oldest first.</summary>
    public IReadOnlyList<string> LoadedVersions => Volatile.Read(ref _state).LoadOrder;

    /// <summary>Creates sessions for an exported artifact and adds the version (activating it by default).</summary>
    /// <exception cref="ExecutionProviderUnavailableException">Cuda is configured, unusable, and CPU fallback is off.</exception>
    public ScoringModel LoadVersion(ScoringModelArtifact artifact, bool activate = true)
    {
        var model = ScoringModel.Load(artifact, _options, _warning);
        try
        {
            AddVersion(model, activate);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Adds an already loaded model. With <paramref name="ownsModel"/> the engine disposes it once the version is retired
    /// and drained; without, the caller keeps it (e.g. one model shared by several engines in a benchmark).
    /// </summary>
    public void AddVersion(ScoringModel model, bool activate = true, bool ownsModel = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        foreach (var itemId in _unavailableItemIds.Keys)
        {
            if (model.TryGetIndex(itemId, out var index))
            {
                model.SetAvailability(index, available: false);
            }
        }

        if (_options.AnnExpansion > 0)
        {
            model.AnnIndex?.ChangeExpansion(_options.AnnExpansion);
        }

        var host = new ModelVersionHost(
            model,
            new ScoringBatcher(model.ModelVersion, _runnerFactory(model), _options, _timeProvider),
            new ScoringBatcher(model.ModelVersion, _candidateRunnerFactory(model), _options, _timeProvider),
            new ScoringBatcher(model.ModelVersion, new ModelBatchRunner(model, similar: true), _options, _timeProvider),
            ownsModel);
        var retired = new List<ModelVersionHost>();
        lock (_writeGate)
        {
            var state = _state;
            if (state.Versions.ContainsKey(model.ModelVersion))
            {
                throw new InvalidOperationException($"Model version '{model.ModelVersion}' is already loaded.");
            }

            var next = new EngineState(
                activate || state.Active is null ? model.ModelVersion : state.Active,
                state.Versions.Add(model.ModelVersion, host),
                state.LoadOrder.Add(model.ModelVersion));
            while (next.LoadOrder.Count > _options.MaxLoadedVersions)
            {
                var oldest = next.LoadOrder.First(version => version != next.Active);
                retired.Add(next.Versions[oldest]);
                next = new EngineState(next.Active, next.Versions.Remove(oldest), next.LoadOrder.Remove(oldest));
            }

            Interlocked.Exchange(ref _state, next);
        }

        // Outside the lock: each retired version disposes itself once its in-flight requests are done.
        foreach (var old in retired)
        {
            old.Release();
        }
    }

    /// <summary>Makes a loaded version the active one.</summary>
    public void Activate(string modelVersion)
    {
        lock (_writeGate)
        {
            var state = _state;
            if (!state.Versions.ContainsKey(modelVersion))
            {
                throw new ModelVersionNotLoadedException(modelVersion, state.Active, state.LoadOrder);
            }

            Interlocked.Exchange(ref _state, state with { Active = modelVersion });
        }
    }

    /// <summary>Unloads a version that is not active; its in-flight requests still finish. Returns false when it was not loaded.</summary>
    public bool Unload(string modelVersion)
    {
        ModelVersionHost? host;
        lock (_writeGate)
        {
            var state = _state;
            if (!state.Versions.TryGetValue(modelVersion, out host))
            {
                return false;
            }

            if (state.Active == modelVersion)
            {
                throw new InvalidOperationException($"Model version '{modelVersion}' is active; activate another version before unloading it.");
            }

            Interlocked.Exchange(ref _state, new EngineState(state.Active, state.Versions.Remove(modelVersion), state.LoadOrder.Remove(modelVersion)));
        }

        host.Release();
        return true;
    }

    /// <summary>The loaded model of a version (for index lookups such as building a filter), or null.</summary>
    public ScoringModel? GetModel(string modelVersion) =>
        Volatile.Read(ref _state).Versions.TryGetValue(modelVersion, out var host) ? host.Model : null;

    /// <summary>Batch counters of a loaded version's batcher (for metrics and benchmarks), or null when it is not loaded.</summary>
    public ScoringBatchStatistics? GetBatchStatistics(string modelVersion) =>
        Volatile.Read(ref _state).Versions.TryGetValue(modelVersion, out var host)
            ? new ScoringBatchStatistics(host.Batcher.BatchCount, host.Batcher.RequestCount, host.Batcher.QueueLength)
            : null;

    /// <summary>Batch counters of a loaded version's two-stage (candidate graph) batcher, or null when it is not loaded.</summary>
    public ScoringBatchStatistics? GetCandidateBatchStatistics(string modelVersion) =>
        Volatile.Read(ref _state).Versions.TryGetValue(modelVersion, out var host)
            ? new ScoringBatchStatistics(host.CandidateBatcher.BatchCount, host.CandidateBatcher.RequestCount, host.CandidateBatcher.QueueLength)
            : null;

    /// <summary>Marks an item (un)available in every loaded version and in versions loaded later.</summary>
    public void SetItemAvailability(string itemId, bool available)
    {
        if (available)
        {
            _unavailableItemIds.TryRemove(itemId, out _);
        }
        else
        {
            _unavailableItemIds[itemId] = true;
        }

        foreach (var host in Volatile.Read(ref _state).Versions.Values)
        {
            if (host.Model.TryGetIndex(itemId, out var index))
            {
                host.Model.SetAvailability(index, available);
            }
        }
    }

    /// <summary>Scores one request with the model version it names, batched with concurrent requests.</summary>
    /// <exception cref="ModelVersionNotLoadedException">The version is not loaded: re-fold the user against the active version.</exception>
    /// <exception cref="ScoringOverloadedException">The version's queue is full: retry after the suggested delay.</exception>
    public async Task<ScoringResult> ScoreAsync(ScoringRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var host = Acquire(request.ModelVersion);
        try
        {
            var model = host.Model;
            var excluded = ResolveExclusions(request, model);
            if (ChoosePath(model, request.Retrieval) == RetrievalMode.Ann)
            {
                return await ScoreTwoStageAsync(host, request, excluded, cancellationToken);
            }

            Interlocked.Increment(ref _exactRequests);
            var fetch = request.Filter is null
                ? Math.Min(request.Count, model.ItemCount)
                : (int)Math.Min((long)request.Count * _options.OverFetchFactor, model.ItemCount);
            var ranked = await host.Batcher.SubmitAsync(new BatchRequest(request.UserVector, excluded, fetch), cancellationToken);
            var items = ResultSelector.Select(ranked, model, request.Filter, request.Count);
            if (request.Filter is null || items.Count >= request.Count || fetch >= model.ItemCount)
            {
                return new ScoringResult(model.ModelVersion, items, UsedCandidateFallback: false);
            }

            // Too few over-fetched items passed the filter: score exactly the passing items.
            cancellationToken.ThrowIfCancellationRequested();
            return ScoreEveryPassingItem(model, request, new HashSet<int>(excluded), items, RetrievalMode.Exact) ?? new ScoringResult(model.ModelVersion, items, UsedCandidateFallback: false);
        }
        finally
        {
            host.Release();
        }
    }

    /// <summary>
    /// The items nearest to one item by cosine in the version's factor space, through the similar-items graph and its
    /// micro-batcher: the item itself, unavailable and excluded items never appear, and the filter is applied by
    /// over-fetching (the whole catalogue is ranked when too few of the over-fetched items pass).
    /// </summary>
    /// <exception cref="ModelVersionNotLoadedException">The version is not loaded.</exception>
    /// <exception cref="ItemNotInModelException">The item has no factors in the version.</exception>
    /// <exception cref="ScoringOverloadedException">The version's queue is full.</exception>
    public async Task<ScoringResult> SimilarAsync(SimilarItemsRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Count is < 1 or > ScoringRequest.MaxCount)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.Count, $"Count must be between 1 and {ScoringRequest.MaxCount}.");
        }

        var host = Acquire(request.ModelVersion);
        try
        {
            var model = host.Model;
            if (!model.TryGetIndex(request.ItemId, out var index))
            {
                throw new ItemNotInModelException(request.ItemId, model.ModelVersion);
            }

            if (!model.HasSimilarGraph)
            {
                throw new NotSupportedException($"Model version '{model.ModelVersion}' was exported without factor tables, so it has no similar-items graph.");
            }

            var excluded = new List<int> { index };
            foreach (var id in request.ExcludeItemIds ?? [])
            {
                if (model.TryGetIndex(id, out var other))
                {
                    excluded.Add(other);
                }
            }

            var query = model.UnitItemVector(index);
            var fetch = request.Filter is null
                ? Math.Min(request.Count, model.ItemCount)
                : (int)Math.Min((long)request.Count * _options.OverFetchFactor, model.ItemCount);
            var exclusions = excluded.ToArray();
            var ranked = await host.SimilarBatcher.SubmitAsync(new BatchRequest(query, exclusions, fetch), cancellationToken);
            var items = ResultSelector.Select(ranked, model, request.Filter, request.Count);
            if (request.Filter is not null && items.Count < request.Count && fetch < model.ItemCount)
            {
                // A narrow filter: rank every item once, still in the graph, and keep what passes.
                ranked = await host.SimilarBatcher.SubmitAsync(new BatchRequest(query, exclusions, model.ItemCount), cancellationToken);
                items = ResultSelector.Select(ranked, model, request.Filter, request.Count);
            }

            return new ScoringResult(model.ModelVersion, items, UsedCandidateFallback: false);
        }
        finally
        {
            host.Release();
        }
    }

    /// <summary>
    /// Candidates from every source, filtered before ranking, ranked by the candidate graph in micro-batches. When the
    /// sources cannot find as many passing items as asked for (a filter that keeps very few), every passing item is
    /// scored exactly instead, so a filter never starves a request.
    /// </summary>
    private async Task<ScoringResult> ScoreTwoStageAsync(ModelVersionHost host, ScoringRequest request, int[] excluded, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _annRequests);
        var model = host.Model;
        var excludedSet = new HashSet<int>(excluded);
        var candidates = new CandidateSet(model, excludedSet, request.Filter);
        var query = new CandidateQuery
        {
            Model = model,
            UserVector = request.UserVector,
            Count = request.Count,
            RecentItems = ResolveRecent(request, model),
            Category = request.Category,
            Options = _options,
        };
        foreach (var source in _sources)
        {
            await source.CollectAsync(query, candidates, cancellationToken);
        }

        if (candidates.Count < request.Count)
        {
            Interlocked.Increment(ref _exhaustiveFallbacks);
            var exhaustive = ScoreEveryPassingItem(model, request, excludedSet, [], RetrievalMode.Exact);
            if (exhaustive is not null)
            {
                return exhaustive;
            }
        }

        if (candidates.Count == 0)
        {
            return new ScoringResult(model.ModelVersion, [], UsedCandidateFallback: false, RetrievalMode.Ann);
        }

        var list = candidates.Items.ToArray();
        var ranked = await host.CandidateBatcher.SubmitAsync(
            new BatchRequest(request.UserVector, ReadOnlyMemory<int>.Empty, Math.Min(request.Count, list.Length)) { Candidates = list },
            cancellationToken);
        return new ScoringResult(model.ModelVersion, ResultSelector.Select(ranked, model, filter: null, request.Count), UsedCandidateFallback: false, RetrievalMode.Ann)
        {
            Candidates = list.Length,
        };
    }

    /// <summary>Scores every available, not excluded item the filter keeps; null when that adds nothing to <paramref name="found"/>.</summary>
    private static ScoringResult? ScoreEveryPassingItem(ScoringModel model, ScoringRequest request, HashSet<int> excluded, List<ScoredItem> found, RetrievalMode path)
    {
        var passing = ResultSelector.FilteredCandidates(model, request.Filter ?? (static _ => true), excluded);
        if (passing.Length <= found.Count)
        {
            return null;
        }

        var rows = model.RunCandidates(request.UserVector.Span, 1, [passing], request.Count);
        return new ScoringResult(model.ModelVersion, ResultSelector.Select(rows[0], model, filter: null, request.Count), UsedCandidateFallback: true, path)
        {
            Candidates = passing.Length,
        };
    }

    private static ReadOnlyMemory<int> ResolveRecent(ScoringRequest request, ScoringModel model)
    {
        if (request.RecentItemIds is not { Count: > 0 } ids)
        {
            return ReadOnlyMemory<int>.Empty;
        }

        var indices = new List<int>(ids.Count);
        foreach (var id in ids)
        {
            if (model.TryGetIndex(id, out var index))
            {
                indices.Add(index);
            }
        }

        return indices.ToArray();
    }

    private ModelVersionHost Acquire(string modelVersion)
    {
        ArgumentNullException.ThrowIfNull(modelVersion);
        var state = Volatile.Read(ref _state);
        if (state.Versions.TryGetValue(modelVersion, out var host) && host.TryAcquire())
        {
            return host;
        }

        throw new ModelVersionNotLoadedException(modelVersion, state.Active, state.LoadOrder);
    }

    private int[] ResolveExclusions(ScoringRequest request, ScoringModel model)
    {
        if (request.Count is < 1 or > ScoringRequest.MaxCount)
        {
            throw new ArgumentOutOfRangeException(nameof(request), request.Count, $"Count must be between 1 and {ScoringRequest.MaxCount}.");
        }

        if (request.UserVector.Length != model.Factors)
        {
            throw new ArgumentException($"The user vector has {request.UserVector.Length} factors; model version '{model.ModelVersion}' has {model.Factors}.", nameof(request));
        }

        // One array of the largest size, trimmed only when some ids are unknown to the model.
        var excluded = new int[(request.ExcludeItemIds?.Count ?? 0) + (request.ExcludeItemIndices?.Count ?? 0)];
        var count = 0;
        if (request.ExcludeItemIds is not null)
        {
            foreach (var id in request.ExcludeItemIds)
            {
                if (model.TryGetIndex(id, out var index))
                {
                    excluded[count++] = index;
                }
            }
        }

        if (request.ExcludeItemIndices is not null)
        {
            foreach (var index in request.ExcludeItemIndices)
            {
                if ((uint)index >= (uint)model.ItemCount)
                {
                    throw new ArgumentOutOfRangeException(nameof(request), index, $"Excluded item index must be below {model.ItemCount}.");
                }

                excluded[count++] = index;
            }
        }

        return count == excluded.Length ? excluded : excluded[..count];
    }

    /// <summary>Unloads every version and waits until their sessions are disposed.</summary>
    public async ValueTask DisposeAsync()
    {
        EngineState state;
        lock (_writeGate)
        {
            state = Interlocked.Exchange(ref _state, EngineState.Empty);
        }

        foreach (var host in state.Versions.Values)
        {
            host.Release();
        }

        await Task.WhenAll(state.Versions.Values.Select(host => host.Disposed));
    }

    /// <summary>Completes when a loaded version's sessions have been disposed (after it is retired and drained).</summary>
    internal Task DisposalOf(string modelVersion) =>
        Volatile.Read(ref _state).Versions.TryGetValue(modelVersion, out var host) ? host.Disposed : Task.CompletedTask;

    private sealed record EngineState(string? Active, ImmutableDictionary<string, ModelVersionHost> Versions, ImmutableList<string> LoadOrder)
    {
        public static readonly EngineState Empty = new(null, ImmutableDictionary.Create<string, ModelVersionHost>(StringComparer.Ordinal), []);
    }
}
