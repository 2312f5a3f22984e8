using System.Collections.Immutable;

namespace RecoGrid.Server.Retraining;

/// <summary>Where a retraining run is, and, once finished, what it did: the record `models history` shows.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.retraining.RetrainingRun")]
public sealed record RetrainingRun
{
    /// <summary>The run's id, e.g. <c>run-3</c>.</summary>
    [Id(0)] public required string Id { get; init; }

    /// <summary><c>schedule</c> or <c>manual</c>.</summary>
    [Id(1)] public required string Trigger { get; init; }

    /// <summary><c>running</c>, then <c>promoted</c>, <c>rejected</c> (the gate kept the serving model) or <c>failed</c>.</summary>
    [Id(2)] public required string Status { get; init; }

    /// <summary>The step in progress or last reached: snapshot, tune, train, evaluate, gate, register, promote, done.</summary>
    [Id(3)] public string Step { get; init; } = RetrainingSteps.Snapshot;

    [Id(4)] public DateTimeOffset StartedAt { get; init; }

    [Id(5)] public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>Events read from the log snapshot.</summary>
    [Id(6)] public long Events { get; init; }

    [Id(7)] public int Users { get; init; }

    [Id(8)] public int Items { get; init; }

    /// <summary>Distinct (user, item) pairs trained on.</summary>
    [Id(9)] public long Interactions { get; init; }

    /// <summary>Iterations of the distributed job finished so far.</summary>
    [Id(10)] public int Iteration { get; init; }

    [Id(11)] public int Iterations { get; init; }

    /// <summary>The half-step in progress: users or items.</summary>
    [Id(12)] public string? HalfStep { get; init; }

    [Id(13)] public int CompletedBlocks { get; init; }

    [Id(14)] public int Blocks { get; init; }

    /// <summary>Whether this run re-tuned the hyper-parameters.</summary>
    [Id(15)] public bool Tuned { get; init; }

    /// <summary>The hyper-parameters trained with.</summary>
    [Id(16)] public ImmutableDictionary<string, double> Settings { get; init; } = ImmutableDictionary<string, double>.Empty;

    /// <summary>The gate's metric, e.g. ndcg@100.</summary>
    [Id(17)] public string? Metric { get; init; }

    /// <summary>The new model's metrics on the held-out users.</summary>
    [Id(18)] public ImmutableDictionary<string, double>? NewMetrics { get; init; }

    /// <summary>The serving model's metrics on the same held-out users; null when nothing was serving.</summary>
    [Id(19)] public ImmutableDictionary<string, double>? ServingMetrics { get; init; }

    [Id(20)] public string? ServingVersion { get; init; }

    /// <summary>The version registered (only when promoted).</summary>
    [Id(21)] public string? Version { get; init; }

    /// <summary>Why the gate decided as it did, or why the run failed.</summary>
    [Id(22)] public string? Decision { get; init; }

    [Id(23)] public string? Error { get; init; }

    /// <summary>Seconds per step (snapshot, tune, train, evaluate, gate, register, promote, total).</summary>
    [Id(24)] public ImmutableDictionary<string, double> Durations { get; init; } = ImmutableDictionary<string, double>.Empty;

    [Id(25)] public ImmutableArray<double> SecondsPerIteration { get; init; } = [];

    /// <summary>Bytes the distributed job moved through the block store, per iteration.</summary>
    [Id(26)] public ImmutableArray<long> BytesPerIteration { get; init; } = [];

    /// <summary>Block solves run again after a lost silo or a timeout.</summary>
    [Id(27)] public int Reassignments { get; init; }

    /// <summary>Times this run was started again because the node running it was lost.</summary>
    [Id(28)] public int Restarts { get; init; }

    /// <summary>Whether the run has finished (whatever its outcome).</summary>
    public bool IsFinished => Status != RetrainingStatus.Running;
}

/// <summary>The values of <see cref="RetrainingRun.Status"/>.</summary>
public static class RetrainingStatus
{
    public const string Running = "running";
    public const string Promoted = "promoted";
    public const string Rejected = "rejected";
    public const string Failed = "failed";
}

/// <summary>The values of <see cref="RetrainingRun.Step"/>, in order.</summary>
public static class RetrainingSteps
{
    public const string Snapshot = "snapshot";
    public const string Tune = "tune";
    public const string Train = "train";
    public const string Evaluate = "evaluate";
    public const string Gate = "gate";
    public const string Register = "register";
    public const string Promote = "promote";
    public const string Done = "done";
}

/// <summary>The answer to a request to start a run: the new run, or the one already running.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.retraining.RetrainingStart")]
public sealed record RetrainingStart([property: Id(0)] bool Started, [property: Id(1)] RetrainingRun Run);

/// <summary>The hyper-parameters a tune chose, kept for the runs after it.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.retraining.TunedSettings")]
public sealed record TunedSettings(
    [property: Id(0)] int Factors,
    [property: Id(1)] float Alpha,
    [property: Id(2)] float Lambda,
    [property: Id(3)] float RegularizationExponent,
    [property: Id(4)] double ValidationScore);

/// <summary>
/// The one retraining coordinator of the cluster (key <see cref="Key"/>): starts runs on demand and on the cron
/// schedule (an Orleans reminder), one at a time, and keeps the tuned hyper-parameters between runs.
/// </summary>
[Alias("recogrid.retraining.IRetrainingGrain")]
public interface IRetrainingGrain : IGrainWithStringKey
{
    /// <summary>The key of the cluster's one retraining grain.</summary>
    const string Key = "cluster";

    /// <summary>Starts a run now, unless one is running (then that one is returned, not started).</summary>
    [Alias("Start")]
    Task<RetrainingStart> Start(string trigger);

    /// <summary>The run in progress or, once finished, as recorded; null for an unknown id.</summary>
    [Alias("GetRun")]
    Task<RetrainingRun?> GetRun(string id);

    /// <summary>Registers the schedule's reminder (or removes it when there is no schedule).</summary>
    [Alias("EnsureSchedule")]
    Task EnsureSchedule();

    /// <summary>What the reminder does: starts a run if a scheduled time has passed since the last one.</summary>
    [Alias("CheckSchedule")]
    Task<RetrainingRun?> CheckSchedule();
}
