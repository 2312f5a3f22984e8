using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RecoGrid.Grains.Common;
using RecoGrid.Server.Ingestion;
using RecoGrid.Server.Models;
using RecoGrid.Storage.Log;
using RecoGrid.Storage.Models;
using RecoGrid.Storage.Training;
using RecoGrid.Training.Cluster;
using RecoGrid.Training.Cluster.Blocks;
using RecoGrid.Training.Cluster.Contracts;
using RecoGrid.Training.Data;
using RecoGrid.Training.Evaluation;
using RecoGrid.Training.Models;
using RecoGrid.Training.Pipeline;
using RecoGrid.Training.Tuning;

namespace RecoGrid.Server.Retraining;

/// <summary>What a run produced: its final record and, when it tuned, the configuration chosen.</summary>
public sealed record RetrainingOutcome(RetrainingRun Run, TunedSettings? Tuned);

/// <summary>
/// One retraining run, step by step: snapshot the interaction log → (re-)tune → train on the cluster → score the new
/// and the serving model on the same held-out users → gate → export ONNX and register with the metrics → promote →
/// the record. Nothing touches the registry before the gate passes, so a failed or rejected run leaves the serving
/// model as it was.
/// </summary>
public sealed partial class RetrainingRunner(
    IInteractionLogStore log,
    IModelRegistry registry,
    ModelRegistration registration,
    ModelWatcher watcher,
    IGrainFactory grains,
    ITrainingBlockStore blocks,
    IOptions<ClusterTrainingOptions> clusterOptions,
    IOptions<RetrainingOptions> options,
    NodeOptions node,
    [FromKeyedServices(RecoGridClock.Key)] TimeProvider clock,
    ILogger<RetrainingRunner> logger)
{
    /// <summary>The distributed training job of one attempt of a run.</summary>
    public static string TrainingJobOf(RetrainingRun run) => $"{run.Id}-attempt{run.Restarts}";

    /// <summary>
    /// Stops the training job of a run whose node was lost (its coordinator may live on, kept alive by its reminder)
    /// and deletes its blocks; a job that never started is nothing to stop.
    /// </summary>
    public async Task AbandonAsync(RetrainingRun lost, CancellationToken ct)
    {
        var jobId = TrainingJobOf(lost);
        await grains.GetGrain<ITrainingJobGrain>(jobId).Cancel();
        await blocks.DeleteAllAsync(BlockNames.Job(jobId), ct);
    }

    /// <summary>Runs <paramref name="run"/>; every change of step or progress is passed to <paramref name="update"/>. Never throws.</summary>
    public async Task<RetrainingOutcome> RunAsync(RetrainingRun run, TunedSettings? tuned, bool tune, Action<RetrainingRun> update, CancellationToken ct)
    {
        var settings = options.Value;
        var durations = ImmutableDictionary.CreateBuilder<string, double>();
        var total = Stopwatch.StartNew();
        var step = Stopwatch.StartNew();
        var artifactDir = Path.Combine(node.DataDir, "training", "runs", run.Id);
        TunedSettings? chosen = null;
        // Progress comes from the training job's thread while this method goes on: every change is applied to the
        // latest record under one lock, or a late progress report would put back a record without what came after
        // it (the new model's metrics, the decision, the version).
        var gate = new Lock();
        void Change(Func<RetrainingRun, RetrainingRun> change)
        {
            lock (gate)
            {
                run = change(run) with { Durations = durations.ToImmutable() };
                update(run);
            }
        }

        var progressOpen = true;

        void Enter(string name) => Change(current =>
        {
            durations[current.Step] = step.Elapsed.TotalSeconds + durations.GetValueOrDefault(current.Step);
            step.Restart();
            return current with { Step = name };
        });

        try
        {
            // 1. Snapshot: what the log acknowledged up to now, erased users and failed batches left out.
            var statistics = new LogSnapshotStatistics();
            var records = new List<InteractionRecord>();
            await foreach (var e in LogSnapshot.ReadAsync(log, clock.GetUtcNow(), statistics, ct))
            {
                records.Add(new InteractionRecord(e.UserId, e.ItemId, e.Weight, e.Timestamp.ToUnixTimeSeconds()));
            }

            if (records.Count == 0)
            {
                throw new RetrainingException("The interaction log has no events to train on yet.");
            }

            var data = await Task.Run(() => new InteractionRecordSource(records, description: "interaction log").Load(ct), ct);
            records = null;
            Change(current => current with
            {
                Events = statistics.Events,
                Users = data.Users,
                Items = data.Items,
                Interactions = data.NonZeros,
            });
            LogSnapshotRead(run.Id, statistics.Events, data.Users, data.Items);

            var holdout = new HoldoutEvaluation { HeldOutUserFraction = settings.HoldoutFraction, Seed = settings.Seed };
            var baseOptions = Options(settings, tuned);

            // 2. Tune on the training users only (the held-out users never influence the choice), keeping the best so far.
            if (tune)
            {
                Enter(RetrainingSteps.Tune);
                var result = await Task.Run(() => Tune(data, baseOptions, holdout, settings, ct), ct);
                chosen = new TunedSettings(result.Best.Factors, result.Best.Alpha, result.Best.Lambda, result.Best.RegularizationExponent, result.BestScore);
                baseOptions = Options(settings, chosen);
                LogTuned(run.Id, result.Trials.Count, result.Best.Factors, result.Best.Alpha, result.Best.Lambda, settings.Metric, result.BestScore);
            }

            Change(current => current with { Tuned = tune, Settings = Describe(baseOptions), Metric = settings.Metric, Iterations = baseOptions.Iterations });

            // 3 and 4. Train on the cluster, then score the new and the serving model on the same held-out users.
            Enter(RetrainingSteps.Train);
            var serving = await ServingModelBaseline.LoadActiveAsync(registry, ct);
            var factorizer = new ClusterIalsFactorizer(grains, blocks, clusterOptions.Value)
            {
                JobPrefix = run.Id,
                JobId = TrainingJobOf(run),
                OnProgress = p =>
                {
                    lock (gate)
                    {
                        // A report that arrives once training is over would only undo what followed it.
                        if (progressOpen)
                        {
                            Change(current => current with
                            {
                                Iteration = p.CompletedIterations,
                                Iterations = p.Iterations,
                                HalfStep = p.HalfStep == FactorSide.Users ? "users" : "items",
                                CompletedBlocks = p.CompletedBlocks,
                                Blocks = p.Blocks,
                                SecondsPerIteration = p.SecondsPerIteration,
                                BytesPerIteration = p.BytesPerIteration,
                                Reassignments = p.Reassignments,
                            });
                        }
                    }
                },
            };
            var timed = new SteppingFactorizer(factorizer, () => Enter(RetrainingSteps.Evaluate));
            var training = await Task.Run(
                () => TrainingPipeline.Run(
                    new TrainingRequest
                    {
                        Source = new LoadedInteractionSource(data, new InteractionRecordSource([], description: "interaction log").Describe()),
                        OutputDirectory = artifactDir,
                        Options = baseOptions,
                        Evaluation = holdout,
                        Factorizer = timed,
                        Baseline = serving is { } s ? d => ServingModelBaseline.For(s.Version, s.Artifact, d, baseOptions.Threads) : null,
                    },
                    ct),
                ct);
            lock (gate)
            {
                progressOpen = false;
            }

            var newMetrics = training.Metrics!.ToImmutableDictionary();
            var servingMetrics = training.BaselineEvaluation?.Metrics.ToImmutableDictionary();
            Change(current => current with { NewMetrics = newMetrics, ServingMetrics = servingMetrics, ServingVersion = serving?.Version });

            // 5. The gate.
            Enter(RetrainingSteps.Gate);
            var (promote, decision) = Gate(settings, newMetrics, servingMetrics, serving?.Version);
            Change(current => current with { Decision = decision });
            LogGate(run.Id, promote, decision);
            if (!promote)
            {
                Enter(RetrainingSteps.Done);
                Change(current => Finish(current, RetrainingStatus.Rejected, total, durations));
                return new(run, chosen);
            }

            // 6. Export ONNX and register with the metrics, 7. promote: every silo's watcher swaps it in.
            Enter(RetrainingSteps.Register);
            var info = await registration.AddAsync(artifactDir, ct);
            Change(current => current with { Version = info.Version });
            Enter(RetrainingSteps.Promote);
            await registry.PromoteAsync(info.Version, ct);
            await watcher.SyncAsync(ct);
            Enter(RetrainingSteps.Done);
            LogPromoted(run.Id, info.Version);
            Change(current => Finish(current, RetrainingStatus.Promoted, total, durations));
            return new(run, chosen);
        }
        catch (Exception exception)
        {
            LogFailed(exception, run.Id, run.Step);
            durations[run.Step] = step.Elapsed.TotalSeconds + durations.GetValueOrDefault(run.Step);
            var failed = run with { Error = exception.Message, Decision = "failed; the serving model is unchanged" };
            return new(Finish(failed, RetrainingStatus.Failed, total, durations), null);
        }
        finally
        {
            if (Directory.Exists(artifactDir))
            {
                Directory.Delete(artifactDir, recursive: true);
            }
        }
    }

    /// <summary>Promote unless the new model is worse than the serving one by more than the tolerance (a fraction of the serving value).</summary>
    internal static (bool Promote, string Decision) Gate(
        RetrainingOptions settings, IReadOnlyDictionary<string, double> newMetrics, IReadOnlyDictionary<string, double>? servingMetrics, string? servingVersion)
    {
        var metric = settings.Metric;
        var value = newMetrics[metric];
        if (servingMetrics is null)
        {
            return (true, $"promoted: no model was serving; new {metric} {value:F4}");
        }

        var serving = servingMetrics[metric];
        var floor = serving * (1 - settings.GateTolerance);
        return value >= floor
            ? (true, $"promoted: new {metric} {value:F4} ≥ {floor:F4} (serving {servingVersion} {serving:F4} less {settings.GateTolerance:P1} tolerance)")
            : (false, $"rejected: new {metric} {value:F4} < {floor:F4} (serving {servingVersion} {serving:F4} less {settings.GateTolerance:P1} tolerance); {servingVersion} keeps serving");
    }

    private RetrainingRun Finish(RetrainingRun run, string status, Stopwatch total, ImmutableDictionary<string, double>.Builder durations)
    {
        durations["total"] = total.Elapsed.TotalSeconds;
        return run with { Status = status, FinishedAt = clock.GetUtcNow(), Durations = durations.ToImmutable() };
    }

    private static IalsOptions Options(RetrainingOptions settings, TunedSettings? tuned)
    {
        var options = new IalsOptions
        {
            Factors = settings.Factors,
            Iterations = settings.Iterations,
            Seed = settings.Seed,
            Threads = Math.Max(1, Environment.ProcessorCount),
            ComputeLoss = false,
        };
        return tuned is null ? options : options with
        {
            Factors = tuned.Factors,
            Alpha = tuned.Alpha,
            Lambda = tuned.Lambda,
            RegularizationExponent = tuned.RegularizationExponent,
        };
    }

    private static TuningResult Tune(InteractionData data, IalsOptions baseOptions, HoldoutEvaluation holdout, RetrainingOptions settings, CancellationToken ct)
    {
        var split = EvaluationSplits.StrongGeneralization(data.UserItems, holdout.Seed, holdout.HeldOutUserFraction, holdout.TargetFraction, holdout.MinItemsToSplit);
        return IalsTuner.Tune(split.Train, baseOptions, new TuningOptions
        {
            Trials = settings.TuneTrials,
            Metric = settings.Metric,
            Seed = settings.Seed,
            Ks = [.. new[] { 20, 100, settings.MetricK }.Distinct()],
            Iterations = [baseOptions.Iterations],
        }, ct: ct);
    }

    private static ImmutableDictionary<string, double> Describe(IalsOptions options) => new Dictionary<string, double>
    {
        ["factors"] = options.Factors,
        ["iterations"] = options.Iterations,
        ["alpha"] = options.Alpha,
        ["lambda"] = options.Lambda,
        ["reg_exponent"] = options.RegularizationExponent,
        ["cg_steps"] = options.CgSteps,
        ["seed"] = options.Seed,
    }.ToImmutableDictionary();

    /// <summary>Says when the fit is over, so the evaluation that follows in the pipeline is timed as its own step.</summary>
    private sealed class SteppingFactorizer(IIalsFactorizer inner, Action fitted) : IIalsFactorizer
    {
        public IalsModel Fit(CsrMatrix userItems, IalsOptions options, Action<IterationReport>? progress, CancellationToken ct)
        {
            var model = inner.Fit(userItems, options, progress, ct);
            fitted();
            return model;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Retraining {RunId}: the log snapshot has {Events} events, {Users} users and {Items} items.")]
    private partial void LogSnapshotRead(string runId, long events, int users, int items);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retraining {RunId}: tuned over {Trials} trials: {Factors} factors, alpha {Alpha}, lambda {Lambda}; validation {Metric} {Score}.")]
    private partial void LogTuned(string runId, int trials, int factors, float alpha, float lambda, string metric, double score);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retraining {RunId}: gate {Promote}: {Decision}")]
    private partial void LogGate(string runId, bool promote, string decision);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retraining {RunId}: promoted {Version}.")]
    private partial void LogPromoted(string runId, string version);

    [LoggerMessage(Level = LogLevel.Error, Message = "Retraining {RunId} failed at step {Step}; the serving model is unchanged.")]
    private partial void LogFailed(Exception exception, string runId, string step);
}

/// <summary>A run that cannot go on, with a message for the operator.</summary>
public sealed class RetrainingException(string message) : Exception(message);
