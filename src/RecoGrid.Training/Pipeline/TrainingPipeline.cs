using System.Diagnostics;
using System.Text.Json.Nodes;
using RecoGrid.Training.Artifacts;
using RecoGrid.Training.Data;
using RecoGrid.Training.Evaluation;
using RecoGrid.Training.Models;
using RecoGrid.Training.Solvers;

namespace RecoGrid.Training.Pipeline;

/// <summary>
/// A whole training run, the same for <c>recogrid train</c> and a scheduled retraining job: load from any
/// <see cref="IInteractionSource"/>, train iALS, optionally evaluate on held-out users, write the model artifact.
/// </summary>
public static class TrainingPipeline
{
    /// <summary>
    /// Runs <paramref name="request"/> on the calling thread (the solvers use <see cref="IalsOptions.Threads"/>).
    /// Nothing is written until training and evaluation are done, so a failed or cancelled run leaves no artifact.
    /// </summary>
    public static TrainingResult Run(TrainingRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
        var options = request.Options;
        var total = Stopwatch.StartNew();
        var data = request.Source.Load(cancellationToken);
        var loadSeconds = total.Elapsed.TotalSeconds;
        request.OnLoaded?.Invoke(data.Statistics);
        cancellationToken.ThrowIfCancellationRequested();

        var iterations = new List<IterationReport>();
        void OnIteration(IterationReport report)
        {
            iterations.Add(report);
            request.OnIteration?.Invoke(report);
        }

        var training = Stopwatch.StartNew();
        float[] itemFactors;
        float[] userFactors;
        EvaluationResult? evaluation = null;
        EvaluationResult? baseline = null;
        if (request.Evaluation is { } holdout)
        {
            var baselineModel = request.Baseline?.Invoke(data);
            (itemFactors, userFactors, evaluation, baseline) = TrainWithHoldout(
                data.UserItems, options, holdout, request.Factorizer, baselineModel, OnIteration, cancellationToken);
            request.OnEvaluated?.Invoke(evaluation);
        }
        else
        {
            var model = request.Factorizer.Fit(data.UserItems, options, OnIteration, cancellationToken);
            (itemFactors, userFactors) = (model.ItemFactors, model.UserFactors);
        }

        var trainSeconds = training.Elapsed.TotalSeconds;
        cancellationToken.ThrowIfCancellationRequested();
        var artifact = ModelArtifact.Write(request.OutputDirectory, new ModelArtifactContent
        {
            Model = ArtifactManifest.IalsModel,
            Solve = options.SolveParameters,
            Factors = options.Factors,
            ItemIds = data.ItemIds,
            ItemFactors = itemFactors,
            UserIds = data.UserIds,
            UserFactors = userFactors,
            UserHistory = data.UserItems,
            Training = DescribeTraining(options, iterations, request.Evaluation, evaluation),
            Data = DescribeData(data.Statistics, request.Source),
            Metrics = evaluation?.Metrics,
        });
        return new TrainingResult
        {
            Artifact = artifact,
            Statistics = data.Statistics,
            Iterations = iterations,
            LoadSeconds = loadSeconds,
            TrainSeconds = trainSeconds,
            TotalSeconds = total.Elapsed.TotalSeconds,
            Evaluation = evaluation,
            BaselineEvaluation = baseline,
        };
    }

    /// <summary>The middle value (the mean of the two middle ones for an even count); null when empty.</summary>
    internal static double? Median(IReadOnlyList<double> values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        var sorted = values.Order().ToArray();
        var middle = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
    }

    /// <summary>
    /// Trains without the held-out users, scores them, then gives them vectors folded in from all their items, so the
    /// artifact still has every user. The item factors are the ones the metrics describe.
    /// </summary>
    private static (float[] ItemFactors, float[] UserFactors, EvaluationResult Evaluation, EvaluationResult? Baseline) TrainWithHoldout(
        CsrMatrix userItems,
        IalsOptions options,
        HoldoutEvaluation holdout,
        IIalsFactorizer factorizer,
        IRecommenderModel? baselineModel,
        Action<IterationReport> onIteration,
        CancellationToken ct)
    {
        var split = EvaluationSplits.StrongGeneralization(
            userItems, holdout.Seed, holdout.HeldOutUserFraction, holdout.TargetFraction, holdout.MinItemsToSplit, out var heldOut);
        var recommender = new IalsRecommender(options) { Progress = onIteration, Factorizer = factorizer };
        recommender.Fit(split.Train, ct);
        var evaluation = Evaluator.Score(recommender, split, holdout.Ks, options.Threads, ct);
        var baseline = baselineModel is null ? null : Evaluator.Score(baselineModel, split, holdout.Ks, options.Threads, ct);
        var model = recommender.Model;

        // Fold-in is the exact user half-step, so all held-out users are solved at once as one block of rows.
        var heldOutRows = SelectRows(userItems, heldOut);
        var d = options.Factors;
        var folded = new float[(long)heldOutRows.Rows * d];
        IalsHalfStep.Solve(
            heldOutRows,
            folded,
            model.ItemFactors,
            model.ItemGram(),
            options.SolverSettings with { Solver = IalsSolver.Cholesky },
            ct);

        var userFactors = new float[(long)userItems.Rows * d];
        int trained = 0, held = 0;
        for (var u = 0; u < userItems.Rows; u++)
        {
            var source = heldOut[u]
                ? folded.AsSpan(held++ * d, d)
                : model.UserFactors.AsSpan(trained++ * d, d);
            source.CopyTo(userFactors.AsSpan(u * d, d));
        }

        return (model.ItemFactors, userFactors, evaluation, baseline);
    }

    private static CsrMatrix SelectRows(CsrMatrix matrix, bool[] keep)
    {
        var rows = 0;
        var nonZeros = 0;
        for (var r = 0; r < matrix.Rows; r++)
        {
            if (keep[r])
            {
                rows++;
                nonZeros += matrix.RowLength(r);
            }
        }

        var pointers = new int[rows + 1];
        var indices = new int[nonZeros];
        var values = new float[nonZeros];
        var row = 0;
        for (var r = 0; r < matrix.Rows; r++)
        {
            if (keep[r])
            {
                var start = pointers[row];
                matrix.RowIndices(r).CopyTo(indices.AsSpan(start));
                matrix.RowValues(r).CopyTo(values.AsSpan(start));
                pointers[++row] = start + matrix.RowLength(r);
            }
        }

        return new CsrMatrix(rows, matrix.Columns, pointers, indices, values);
    }

    private static JsonObject DescribeTraining(
        IalsOptions options, List<IterationReport> iterations, HoldoutEvaluation? holdout, EvaluationResult? evaluation)
    {
        var seconds = iterations.Select(r => r.Seconds).ToList();
        var training = options.ToJson();
        training["seconds_per_iteration"] = new JsonArray([.. seconds.Select(s => JsonValue.Create(s))]);
        training["median_seconds_per_iteration"] = Median(seconds);
        training["final_loss"] = iterations.Count == 0 ? null : iterations[^1].Loss;
        if (holdout is not null && evaluation is not null)
        {
            training["evaluation"] = new JsonObject
            {
                ["protocol"] = "strong-generalization",
                ["held_out_user_fraction"] = holdout.HeldOutUserFraction,
                ["target_fraction"] = holdout.TargetFraction,
                ["min_items_to_split"] = holdout.MinItemsToSplit,
                ["seed"] = holdout.Seed,
                ["evaluated_users"] = evaluation.EvaluatedUsers,
            };
        }

        return training;
    }

    private static JsonObject DescribeData(InteractionStatistics statistics, IInteractionSource source)
    {
        var data = statistics.ToJson();
        data["filters"] = source.Describe();
        return data;
    }
}
