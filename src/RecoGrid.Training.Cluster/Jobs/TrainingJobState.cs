using System.Collections.Immutable;
using RecoGrid.Training.Cluster.Contracts;

namespace RecoGrid.Training.Cluster.Jobs;

/// <summary>A job's persisted progress: after each block, so a job resumes from its last completed half-step and block.</summary>
[GenerateSerializer, Alias("recogrid.training.TrainingJobState")]
public sealed class TrainingJobState
{
    [Id(0)] public TrainingJobSpec? Spec { get; set; }

    [Id(1)] public TrainingJobStatus Status { get; set; }

    /// <summary>The iteration in progress (1-based); Iterations + 1 once done.</summary>
    [Id(2)] public int Iteration { get; set; } = 1;

    [Id(3)] public FactorSide HalfStep { get; set; }

    /// <summary>Blocks of the half-step in progress whose factors and Gram partial are in the store.</summary>
    [Id(4)] public ImmutableSortedSet<int> CompletedBlocks { get; set; } = [];

    [Id(5)] public ImmutableArray<double> SecondsPerIteration { get; set; } = [];

    [Id(6)] public ImmutableArray<long> BytesPerIteration { get; set; } = [];

    /// <summary>Bytes moved so far by the iteration in progress.</summary>
    [Id(7)] public long IterationBytes { get; set; }

    /// <summary>Seconds spent so far on the iteration in progress (by earlier activations, when resumed).</summary>
    [Id(8)] public double IterationSeconds { get; set; }

    [Id(9)] public int Reassignments { get; set; }

    [Id(10)] public string? Error { get; set; }

    [Id(11)] public ImmutableDictionary<string, int> SolvesBySilo { get; set; } = ImmutableDictionary<string, int>.Empty;

    [Id(12)] public ImmutableArray<double> SolveSecondsPerIteration { get; set; } = [];

    [Id(13)] public double IterationSolveSeconds { get; set; }
}
