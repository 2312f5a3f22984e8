using RecoGrid.Training.Data;
using RecoGrid.Training.Evaluation;
using RecoGrid.Training.Models;

namespace RecoGrid.Training.Tuning;

/// <summary>
/// Hyper-parameter search for iALS on a validation split carved from the training users only (strong
/// generalization inside them), so the test users never influence the choice.
/// </summary>
public static class IalsTuner
{
    /// <summary>
    /// Evaluates up to <see cref="TuningOptions.Trials"/> configurations derived from <paramref name="baseOptions"/>
    /// on the same validation split(s) and returns the best by <see cref="TuningOptions.Metric"/> (first wins ties).
    /// </summary>
    public static TuningResult Tune(
        CsrMatrix trainUserItems,
        IalsOptions baseOptions,
        TuningOptions options,
        Action<TuningTrial>? progress = null,
        CancellationToken ct = default)
    {
        options.Validate();
        baseOptions.Validate();
        var splits = new List<EvaluationSplit>();
        for (var s = 0; s < options.ValidationSeeds; s++)
        {
            splits.Add(EvaluationSplits.StrongGeneralization(trainUserItems, options.Seed + s, options.ValidationUserFraction));
        }

        var trials = new List<TuningTrial>();
        TuningTrial? best = null;
        foreach (var candidate in Candidates(baseOptions, options).Take(options.Trials))
        {
            ct.ThrowIfCancellationRequested();
            var results = new List<EvaluationResult>();
            foreach (var split in splits)
            {
                var model = new IalsRecommender(candidate with { ComputeLoss = false });
                model.Fit(split.Train, ct);
                results.Add(Evaluator.Score(model, split, options.Ks, candidate.Threads, ct));
            }

            var metrics = Evaluator.Average(results).Metrics;
            var trial = new TuningTrial(candidate, metrics[options.Metric], metrics);
            trials.Add(trial);
            progress?.Invoke(trial);
            if (best is null || trial.Score > best.Score)
            {
                best = trial;
            }
        }

        return new TuningResult(best!.Options, best.Score, trials);
    }

    /// <summary>The candidate sequence: the base first (if asked), then grid order or seeded random draws.</summary>
    public static IEnumerable<IalsOptions> Candidates(IalsOptions baseOptions, TuningOptions options)
    {
        if (options.IncludeBase)
        {
            yield return baseOptions;
        }

        if (options.Strategy == SearchStrategy.Grid)
        {
            foreach (var factors in options.Factors)
            {
                foreach (var iterations in options.Iterations)
                {
                    foreach (var exponent in options.RegularizationExponents)
                    {
                        foreach (var alpha in options.AlphaGrid)
                        {
                            foreach (var lambda in options.LambdaGrid)
                            {
                                yield return baseOptions with
                                {
                                    Factors = factors,
                                    Iterations = iterations,
                                    RegularizationExponent = exponent,
                                    Alpha = alpha,
                                    Lambda = lambda,
                                };
                            }
                        }
                    }
                }
            }

            yield break;
        }

        var random = new Random(options.Seed);
        while (true)
        {
            yield return baseOptions with
            {
                Factors = options.Factors[random.Next(options.Factors.Count)],
                Iterations = options.Iterations[random.Next(options.Iterations.Count)],
                RegularizationExponent = options.RegularizationExponents[random.Next(options.RegularizationExponents.Count)],
                Alpha = LogUniform(random, options.AlphaRange),
                Lambda = LogUniform(random, options.LambdaRange),
            };
        }
    }

    private static float LogUniform(Random random, (float Min, float Max) range) =>
        (float)Math.Exp(Math.Log(range.Min) + (random.NextDouble() * (Math.Log(range.Max) - Math.Log(range.Min))));
}
