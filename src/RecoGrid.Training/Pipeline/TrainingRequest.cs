using RecoGrid.Training.Data;
using RecoGrid.Training.Evaluation;
using RecoGrid.Training.Models;

namespace RecoGrid.Training.Pipeline;

/// <summary>One training run for <see cref="TrainingPipeline.Run"/>: where the data comes from, how to train, where to write.</summary>
public sealed record TrainingRequest
{
    /// <summary>The interactions to train on.</summary>
    public required IInteractionSource Source { get; init; }

    /// <summary>The artifact directory (created if needed; an artifact already there is replaced).</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>iALS hyper-parameters.</summary>
    public IalsOptions Options { get; init; } = new();

    /// <summary>Held-out-user evaluation whose metrics go into the manifest; none when null.</summary>
    public HoldoutEvaluation? Evaluation { get; init; }

    /// <summary>Where the factorization runs (in this process unless set, e.g. a cluster job).</summary>
    public IIalsFactorizer Factorizer { get; init; } = LocalIalsFactorizer.Instance;

    /// <summary>
    /// With <see cref="Evaluation"/>: builds, from the loaded data, an already trained model (e.g. the one serving now)
    /// that is scored on the same held-out users; its metrics are <see cref="TrainingResult.BaselineEvaluation"/>.
    /// </summary>
    public Func<InteractionData, IRecommenderModel>? Baseline { get; init; }

    /// <summary>Called once the interactions are loaded, before training starts.</summary>
    public Action<InteractionStatistics>? OnLoaded { get; init; }

    /// <summary>Called after every iteration with its number, seconds and loss (when <see cref="IalsOptions.ComputeLoss"/>).</summary>
    public Action<IterationReport>? OnIteration { get; init; }

    /// <summary>Called with the metrics once the held-out users are scored, before the artifact is written.</summary>
    public Action<EvaluationResult>? OnEvaluated { get; init; }

    /// <summary>Throws with a message naming the offending setting.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Source);
        ArgumentException.ThrowIfNullOrWhiteSpace(OutputDirectory);
        ArgumentNullException.ThrowIfNull(Options);
        Options.Validate();
        Evaluation?.Validate();
    }
}

/// <summary>
/// Strong-generalization evaluation inside a training run: a seeded share of users is left out of training, folded in
/// from part of their items and scored on the rest. Their vectors in the artifact are folded in from all their items.
/// </summary>
public sealed record HoldoutEvaluation
{
    /// <summary>Share of users held out of training.</summary>
    public double HeldOutUserFraction { get; init; } = 0.1;

    /// <summary>Share of a held-out user's items that are hidden and must be recovered.</summary>
    public double TargetFraction { get; init; } = 0.2;

    /// <summary>Held-out users with fewer items than this are not scored.</summary>
    public int MinItemsToSplit { get; init; } = 5;

    /// <summary>Cut-offs at which every metric is reported.</summary>
    public IReadOnlyList<int> Ks { get; init; } = [20, 50, 100];

    /// <summary>Seed of the user and item draws.</summary>
    public int Seed { get; init; }

    /// <summary>Throws with a message naming the offending setting.</summary>
    public void Validate()
    {
        if (!(HeldOutUserFraction > 0 && HeldOutUserFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(HeldOutUserFraction), HeldOutUserFraction, "HoldoutEvaluation.HeldOutUserFraction must be in (0, 1).");
        }

        if (!(TargetFraction > 0 && TargetFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(TargetFraction), TargetFraction, "HoldoutEvaluation.TargetFraction must be in (0, 1).");
        }

        if (MinItemsToSplit < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MinItemsToSplit), MinItemsToSplit, "HoldoutEvaluation.MinItemsToSplit must be at least 1.");
        }

        if (Ks is null || Ks.Count == 0 || Ks.Any(k => k < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Ks), "HoldoutEvaluation.Ks must be a non-empty list of positive cut-offs.");
        }
    }
}
