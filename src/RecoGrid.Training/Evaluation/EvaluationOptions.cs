namespace RecoGrid.Training.Evaluation;

/// <summary>Which split an evaluation uses.</summary>
public enum EvaluationProtocol
{
    /// <summary>Held-out users, folded in from part of their items (Liang et al. 2018).</summary>
    StrongGeneralization,

    /// <summary>All users train; part of each user's items are hidden.</summary>
    RandomHoldout,

    /// <summary>The latest interactions, globally, are hidden; needs timestamps.</summary>
    TimeSplit,
}

/// <summary>Settings of an offline evaluation.</summary>
public sealed record EvaluationOptions
{
    /// <summary>The split protocol.</summary>
    public EvaluationProtocol Protocol { get; init; } = EvaluationProtocol.StrongGeneralization;

    /// <summary>Cut-offs at which every metric is reported.</summary>
    public IReadOnlyList<int> Ks { get; init; } = [20, 50, 100];

    /// <summary>Number of independent re-splits averaged (the time split is deterministic and runs once).</summary>
    public int Seeds { get; init; } = 5;

    /// <summary>Seed of the first split; split s uses Seed + s.</summary>
    public int Seed { get; init; }

    /// <summary>Share of users held out of training (strong generalization).</summary>
    public double HeldOutUserFraction { get; init; } = 0.2;

    /// <summary>Share of an evaluation user's items (or of all interactions, for the time split) that become targets.</summary>
    public double TargetFraction { get; init; } = 0.2;

    /// <summary>Users with fewer eligible items than this are not split (and not evaluated).</summary>
    public int MinItemsToSplit { get; init; } = 5;

    /// <summary>Worker threads for scoring users.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Throws with a message naming the offending setting.</summary>
    public void Validate()
    {
        if (Ks.Count == 0 || Ks.Any(k => k < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(Ks), "EvaluationOptions.Ks must be a non-empty list of positive cut-offs.");
        }

        if (Seeds < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Seeds), Seeds, "EvaluationOptions.Seeds must be at least 1.");
        }

        if (Threads < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "EvaluationOptions.Threads must be at least 1.");
        }

        if (!(HeldOutUserFraction > 0 && HeldOutUserFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(HeldOutUserFraction), HeldOutUserFraction, "EvaluationOptions.HeldOutUserFraction must be in (0, 1).");
        }

        if (!(TargetFraction > 0 && TargetFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(TargetFraction), TargetFraction, "EvaluationOptions.TargetFraction must be in (0, 1).");
        }
    }
}

/// <summary>Metrics averaged over evaluated users and then over splits.</summary>
/// <param name="Metrics">Keys like "recall@20", "ndcg@100", "map@20", "hitrate@20", "coverage@20".</param>
/// <param name="EvaluatedUsers">Evaluated users per split, averaged over splits.</param>
/// <param name="PerSplit">The metrics of each split, for judging noise.</param>
public sealed record EvaluationResult(
    IReadOnlyDictionary<string, double> Metrics,
    double EvaluatedUsers,
    IReadOnlyList<IReadOnlyDictionary<string, double>> PerSplit);
