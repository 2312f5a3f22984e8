using RecoGrid.Training.Artifacts;
using RecoGrid.Training.Data;
using RecoGrid.Training.Evaluation;
using RecoGrid.Training.Models;

namespace RecoGrid.Training.Pipeline;

/// <summary>What a training run produced: the artifact, the data it saw, timings and, when evaluated, metrics.</summary>
public sealed record TrainingResult
{
    /// <summary>The artifact as written.</summary>
    public required ModelArtifact Artifact { get; init; }

    /// <summary>What the load read, dropped and kept.</summary>
    public required InteractionStatistics Statistics { get; init; }

    /// <summary>Every iteration's report, in order.</summary>
    public required IReadOnlyList<IterationReport> Iterations { get; init; }

    /// <summary>Seconds spent loading the interactions.</summary>
    public required double LoadSeconds { get; init; }

    /// <summary>Seconds spent training (and, when evaluated, scoring and folding in the held-out users).</summary>
    public required double TrainSeconds { get; init; }

    /// <summary>Seconds from the start of the run until the artifact was written.</summary>
    public required double TotalSeconds { get; init; }

    /// <summary>The held-out evaluation, when the request asked for one.</summary>
    public EvaluationResult? Evaluation { get; init; }

    /// <summary>The <see cref="TrainingRequest.Baseline"/> model's metrics on the same held-out users, when asked for.</summary>
    public EvaluationResult? BaselineEvaluation { get; init; }

    /// <summary>The artifact directory.</summary>
    public string ArtifactDirectory => Artifact.Directory;

    /// <summary>Wall time of each iteration, excluding the loss.</summary>
    public IReadOnlyList<double> SecondsPerIteration => [.. Iterations.Select(r => r.Seconds)];

    /// <summary>Median of <see cref="SecondsPerIteration"/>; null without iterations.</summary>
    public double? MedianSecondsPerIteration => TrainingPipeline.Median(SecondsPerIteration);

    /// <summary>The training loss after the last iteration, when computed.</summary>
    public double? FinalLoss => Iterations.Count == 0 ? null : Iterations[^1].Loss;

    /// <summary>The evaluation metrics recorded in the manifest, when evaluated.</summary>
    public IReadOnlyDictionary<string, double>? Metrics => Evaluation?.Metrics;
}
