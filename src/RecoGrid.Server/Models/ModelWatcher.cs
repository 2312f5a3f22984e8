using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RecoGrid.Grains.Models;
using RecoGrid.Scoring.Hosting;
using RecoGrid.Scoring.Onnx;
using RecoGrid.Storage.Models;
using RecoGrid.Training.Artifacts;
using RecoGrid.Training.Models;

namespace RecoGrid.Server.Models;

/// <summary>
/// Watches the model registry and loads each promoted version on this silo: the fold-in model for user
/// grains and, on scoring silos, the ONNX sessions. The previous version stays loaded for requests in flight.
/// </summary>
public sealed partial class ModelWatcher(
    IModelRegistry registry,
    ActiveModelHolder active,
    ScoringEngine? engine,
    IOptions<ModelServingOptions> options,
    ILogger<ModelWatcher> logger) : BackgroundService
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private volatile bool _synced;

    /// <summary>
    /// True once one sync has finished: the version promoted at that moment (if any) is loaded here and, on scoring
    /// silos, has ranked one warm-up batch. Readiness waits for it; later swaps keep the previous version serving.
    /// </summary>
    public bool HasSynced => _synced;

    /// <summary>Checks the registry now and loads the promoted version if it is new here.</summary>
    public async Task SyncAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var state = await registry.GetAsync(cancellationToken);
            if (state.Active is null || state.Active == active.Version)
            {
                _synced = true;
                return;
            }

            var info = state.Find(state.Active) ?? throw new ModelRegistryException($"The registry names '{state.Active}' active but does not list it.");
            var folder = await registry.MaterializeAsync(info.Version, cancellationToken);
            if (engine?.GetModel(info.Version) is not null)
            {
                // Still loaded (a rollback to the previous version): just make it active again.
                engine.Activate(info.Version);
            }
            else if (engine is not null)
            {
                // Factor tables and the ANN index are memory-mapped; the loaded model keeps its own references to them.
                using var exported = await ScoringModelArtifact.LoadAsync(Path.Combine(folder, ModelRegistration.Scoring), info.Version, info.Factors, cancellationToken);
                var loaded = engine.LoadVersion(exported, activate: true);
                await WarmUpAsync(engine, loaded, cancellationToken);
            }

            var artifact = ModelArtifact.Load(Path.Combine(folder, ModelRegistration.Training), verifyChecksums: false);
            var lookup = artifact.HasUserFactors ? artifact.OpenUserLookup() : null;
            active.Set(
                new FoldInModel(info.Version, artifact.ItemIds, IalsFoldIn.FromArtifact(artifact, Math.Max(1, Environment.ProcessorCount)), lookup is null ? null : new ArtifactUserVectors(lookup)),
                lookup);
            LogLoaded(info.Version, info.Items, info.Factors, engine is not null);
            _synced = true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Keeps <paramref name="versions"/> loaded besides the promoted one (an experiment's variants): the fold-in model
    /// here and, on scoring silos, the ONNX sessions, without activating them; extra versions not named are unloaded.
    /// Returns the versions that could not be kept loaded because <c>Scoring:MaxLoadedVersions</c> is too small.
    /// </summary>
    public async Task<IReadOnlyList<string>> KeepLoadedAsync(IReadOnlyCollection<string> versions, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            foreach (var version in versions)
            {
                var needsEngine = engine is not null && engine.GetModel(version) is null;
                var needsFoldIn = active.Find(version) is null;
                if (!needsEngine && !needsFoldIn)
                {
                    continue;
                }

                var state = await registry.GetAsync(cancellationToken);
                var info = state.Find(version) ?? throw new ModelRegistryException($"Model version '{version}' is not in the registry.");
                var folder = await registry.MaterializeAsync(info.Version, cancellationToken);
                if (needsEngine)
                {
                    using var exported = await ScoringModelArtifact.LoadAsync(Path.Combine(folder, ModelRegistration.Scoring), info.Version, info.Factors, cancellationToken);
                    engine!.LoadVersion(exported, activate: false);
                }

                if (needsFoldIn)
                {
                    var artifact = ModelArtifact.Load(Path.Combine(folder, ModelRegistration.Training), verifyChecksums: false);
                    var lookup = artifact.HasUserFactors ? artifact.OpenUserLookup() : null;
                    active.AddExtra(
                        new FoldInModel(info.Version, artifact.ItemIds, IalsFoldIn.FromArtifact(artifact, Math.Max(1, Environment.ProcessorCount)), lookup is null ? null : new ArtifactUserVectors(lookup)),
                        lookup);
                }

                LogLoadedExtra(info.Version);
            }

            active.RetainExtras(versions);

            // The engine keeps Scoring:MaxLoadedVersions versions and retires the oldest inactive one beyond that.
            return engine is null ? [] : [.. versions.Where(v => engine.GetModel(v) is null)];
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Ranks one request with the new version through the path requests take (batcher, graph, selection), so the first
    /// real request pays no session warm-up, first-run allocation or page-in of the memory-mapped factors. One request,
    /// so even a queue of one has room; a full queue means traffic is warming the version already.
    /// </summary>
    private static async Task WarmUpAsync(ScoringEngine engine, Scoring.ScoringModel model, CancellationToken cancellationToken)
    {
        var vector = new float[model.Factors];
        Array.Fill(vector, 1f / MathF.Sqrt(Math.Max(1, model.Factors)));
        try
        {
            await engine.ScoreAsync(new Scoring.ScoringRequest { ModelVersion = model.ModelVersion, UserVector = vector, Count = 10 }, cancellationToken);
        }
        catch (Scoring.ScoringOverloadedException)
        {
            // Busy with real requests: they warm it.
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PollInterval);
        do
        {
            try
            {
                await SyncAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogLoadFailed(exception);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Version} is now served on this silo ({Items} items, {Factors} factors, scoring engine: {Scoring}).")]
    private partial void LogLoaded(string version, int items, int factors, bool scoring);

    [LoggerMessage(Level = LogLevel.Information, Message = "Model {Version} is loaded on this silo for an experiment (not promoted).")]
    private partial void LogLoadedExtra(string version);

    [LoggerMessage(Level = LogLevel.Error, Message = "Loading the promoted model failed; still serving the previous one.")]
    private partial void LogLoadFailed(Exception exception);
}
