using RecoGrid.Training.Models;

namespace RecoGrid.Training.Tuning;

/// <summary>How candidate configurations are generated.</summary>
public enum SearchStrategy
{
    /// <summary>Seeded random draws: factors, iterations and exponents from their lists; alpha and lambda log-uniform.</summary>
    Random,

    /// <summary>The Cartesian product of the lists (alpha and lambda from <see cref="TuningOptions.AlphaGrid"/> and
    /// <see cref="TuningOptions.LambdaGrid"/>), in order, up to the budget.</summary>
    Grid,
}

/// <summary>Search space and budget of an iALS hyper-parameter search.</summary>
public sealed record TuningOptions
{
    /// <summary>Candidate generation.</summary>
    public SearchStrategy Strategy { get; init; } = SearchStrategy.Random;

    /// <summary>Number of configurations to evaluate, including the base configuration when <see cref="IncludeBase"/>.</summary>
    public int Trials { get; init; } = 20;

    /// <summary>Seed of the candidate draws and of the validation split.</summary>
    public int Seed { get; init; }

    /// <summary>Metric to maximize, e.g. "ndcg@100" or "recall@20".</summary>
    public string Metric { get; init; } = "ndcg@100";

    /// <summary>Whether the first trial is the base options unchanged, so the result is never worse than them on validation.</summary>
    public bool IncludeBase { get; init; } = true;

    /// <summary>Candidate latent dimensions.</summary>
    public IReadOnlyList<int> Factors { get; init; } = [32, 64, 128];

    /// <summary>Candidate iteration counts.</summary>
    public IReadOnlyList<int> Iterations { get; init; } = [15];

    /// <summary>Candidate regularization exponents ν.</summary>
    public IReadOnlyList<float> RegularizationExponents { get; init; } = [0f];

    /// <summary>Log-uniform range of alpha for random search.</summary>
    public (float Min, float Max) AlphaRange { get; init; } = (0.1f, 100f);

    /// <summary>Log-uniform range of lambda for random search.</summary>
    public (float Min, float Max) LambdaRange { get; init; } = (0.001f, 100f);

    /// <summary>Alpha values for grid search.</summary>
    public IReadOnlyList<float> AlphaGrid { get; init; } = [1f, 10f, 40f];

    /// <summary>Lambda values for grid search.</summary>
    public IReadOnlyList<float> LambdaGrid { get; init; } = [0.1f, 1f, 10f];

    /// <summary>Share of the training users held out for validation (strong generalization inside them).</summary>
    public double ValidationUserFraction { get; init; } = 0.2;

    /// <summary>Number of validation splits averaged per trial.</summary>
    public int ValidationSeeds { get; init; } = 1;

    /// <summary>Cut-offs computed per trial; must include the K of <see cref="Metric"/>.</summary>
    public IReadOnlyList<int> Ks { get; init; } = [20, 100];

    /// <summary>Throws with a message naming the offending setting.</summary>
    public void Validate()
    {
        if (Trials < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Trials), Trials, "TuningOptions.Trials must be at least 1.");
        }

        if (Factors.Count == 0 || Iterations.Count == 0 || RegularizationExponents.Count == 0)
        {
            throw new ArgumentException("TuningOptions.Factors, Iterations and RegularizationExponents must not be empty.");
        }

        if (!(AlphaRange.Min > 0 && AlphaRange.Max >= AlphaRange.Min) || !(LambdaRange.Min > 0 && LambdaRange.Max >= LambdaRange.Min))
        {
            throw new ArgumentException("TuningOptions.AlphaRange and LambdaRange must be positive (Min ≤ Max).");
        }

        var separator = Metric.IndexOf('@', StringComparison.Ordinal);
        if (separator < 0 || !int.TryParse(Metric.AsSpan(separator + 1), out var k) || !Ks.Contains(k))
        {
            throw new ArgumentException($"TuningOptions.Metric '{Metric}' must look like 'ndcg@100' with its K listed in TuningOptions.Ks.");
        }
    }
}

/// <summary>One evaluated configuration.</summary>
/// <param name="Options">The configuration.</param>
/// <param name="Score">Value of the tuned metric on validation.</param>
/// <param name="Metrics">All validation metrics.</param>
public sealed record TuningTrial(IalsOptions Options, double Score, IReadOnlyDictionary<string, double> Metrics);

/// <summary>The outcome of a search.</summary>
/// <param name="Best">The best configuration found.</param>
/// <param name="BestScore">Its validation score.</param>
/// <param name="Trials">Every trial in evaluation order.</param>
public sealed record TuningResult(IalsOptions Best, double BestScore, IReadOnlyList<TuningTrial> Trials);
