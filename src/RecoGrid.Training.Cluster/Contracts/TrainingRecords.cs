using System.Collections.Immutable;

namespace RecoGrid.Training.Cluster.Contracts;

/// <summary>Which side of the factorization a half-step solves.</summary>
[GenerateSerializer, Alias("recogrid.training.FactorSide")]
public enum FactorSide
{
    /// <summary>User rows, solved against the item factors.</summary>
    Users = 0,

    /// <summary>Item rows, solved against the user factors.</summary>
    Items = 1,
}

/// <summary>How a job stands.</summary>
[GenerateSerializer, Alias("recogrid.training.TrainingJobStatus")]
public enum TrainingJobStatus
{
    /// <summary>No job with this id was started.</summary>
    Unknown = 0,

    /// <summary>Half-steps are being solved.</summary>
    Running = 1,

    /// <summary>Every iteration is done; the final factors are in the store.</summary>
    Completed = 2,

    /// <summary>The job stopped with an error.</summary>
    Failed = 3,

    /// <summary>The job was cancelled.</summary>
    Cancelled = 4,
}

/// <summary>Everything a job needs besides the blocks in the store: shape, hyper-parameters and block bounds.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.training.TrainingJobSpec")]
public sealed record TrainingJobSpec
{
    [Id(0)] public required string JobId { get; init; }

    [Id(1)] public required int Users { get; init; }

    [Id(2)] public required int Items { get; init; }

    [Id(3)] public required int Factors { get; init; }

    [Id(4)] public required int Iterations { get; init; }

    [Id(5)] public required float Alpha { get; init; }

    [Id(6)] public required float Lambda { get; init; }

    [Id(7)] public required float RegularizationExponent { get; init; }

    /// <summary>0: conjugate gradient, 1: Cholesky (the values of <see cref="Models.IalsSolver"/>).</summary>
    [Id(8)] public required int Solver { get; init; }

    [Id(9)] public required int CgSteps { get; init; }

    /// <summary>Threads each worker's solve uses (a silo solves one block at a time).</summary>
    [Id(10)] public required int WorkerThreads { get; init; }

    /// <summary>Row bounds of the user blocks: block b is [UserBounds[b], UserBounds[b + 1]).</summary>
    [Id(11)] public required ImmutableArray<int> UserBounds { get; init; }

    /// <summary>Row bounds of the item blocks.</summary>
    [Id(12)] public required ImmutableArray<int> ItemBounds { get; init; }

    /// <summary>How long one block's solve may take before it is solved again.</summary>
    [Id(13)] public TimeSpan BlockTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Number of blocks per side.</summary>
    public int Blocks => UserBounds.Length - 1;

    /// <summary>The bounds of <paramref name="side"/>.</summary>
    public ImmutableArray<int> Bounds(FactorSide side) => side == FactorSide.Users ? UserBounds : ItemBounds;
}

/// <summary>One block's work in one half-step.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.training.BlockTask")]
public sealed record BlockTask
{
    [Id(0)] public required TrainingJobSpec Spec { get; init; }

    [Id(1)] public required FactorSide Side { get; init; }

    [Id(2)] public required int Block { get; init; }

    /// <summary>The version written: the iteration number (version 0 is the initialization).</summary>
    [Id(3)] public required int Version { get; init; }

    /// <summary>The other side's version solved against.</summary>
    [Id(4)] public required int FixedVersion { get; init; }
}

/// <summary>What solving a block cost.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.training.BlockResult")]
public sealed record BlockResult(
    [property: Id(0)] long BytesRead,
    [property: Id(1)] long BytesWritten,
    [property: Id(2)] double SolveSeconds,
    [property: Id(3)] double LoadSeconds,
    [property: Id(4)] string Silo);

/// <summary>Where a job is.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.training.TrainingJobProgress")]
public sealed record TrainingJobProgress
{
    [Id(0)] public required string JobId { get; init; }

    [Id(1)] public required TrainingJobStatus Status { get; init; }

    /// <summary>Iterations finished (both half-steps).</summary>
    [Id(2)] public int CompletedIterations { get; init; }

    [Id(3)] public int Iterations { get; init; }

    /// <summary>The half-step in progress.</summary>
    [Id(4)] public FactorSide HalfStep { get; init; }

    /// <summary>Blocks of the half-step in progress that are done.</summary>
    [Id(5)] public int CompletedBlocks { get; init; }

    [Id(6)] public int Blocks { get; init; }

    /// <summary>Wall time of each finished iteration.</summary>
    [Id(7)] public ImmutableArray<double> SecondsPerIteration { get; init; } = [];

    /// <summary>Bytes read from and written to the block store by each finished iteration.</summary>
    [Id(8)] public ImmutableArray<long> BytesPerIteration { get; init; } = [];

    /// <summary>Block solves that failed (a silo lost, a timeout) and were run again, possibly elsewhere.</summary>
    [Id(9)] public int Reassignments { get; init; }

    [Id(10)] public string? Error { get; init; }

    /// <summary>Silos that solved blocks, with the number of block solves each.</summary>
    [Id(11)] public ImmutableDictionary<string, int> SolvesBySilo { get; init; } = ImmutableDictionary<string, int>.Empty;

    /// <summary>Seconds of pure solving (summed over blocks) of each finished iteration.</summary>
    [Id(12)] public ImmutableArray<double> SolveSecondsPerIteration { get; init; } = [];
}
