using RecoGrid.Training.Evaluation;
using RecoGrid.Training.Linalg;
using RecoGrid.Training.Models;
using RecoGrid.Training.Solvers;

namespace RecoGrid.Training.Tests;

public sealed class IalsTests
{
    private static readonly IalsOptions Small = new()
    {
        Factors = 16,
        Iterations = 8,
        Alpha = 5f,
        Lambda = 1f,
        Threads = 2,
        Seed = 11,
    };

    private static IalsSolverSettings Settings(int d, IalsSolveParameters parameters, IalsSolver solver, int cgSteps = 3, int threads = 2) =>
        new() { Factors = d, Parameters = parameters, Solver = solver, CgSteps = cgSteps, Threads = threads };

    [Fact]
    public void CgAndCholeskyAgreeOnSmallProblems()
    {
        // d = 13 exercises the scalar tails of the SIMD kernels.
        const int d = 13;
        var data = PlantedData.Random(users: 40, items: 30, density: 0.2, seed: 5);
        var items = PlantedData.RandomNormal(30 * d, seed: 6, scale: 0.3f);
        var gram = GramMatrix.Compute(items, 30, d, threads: 1);
        var parameters = new IalsSolveParameters(Alpha: 3f, Lambda: 0.5f, RegularizationExponent: 0.5f);

        var exact = new float[40 * d];
        IalsHalfStep.Solve(data, exact, items, gram, Settings(d, parameters, IalsSolver.Cholesky));

        // CG in exact arithmetic converges in d steps; from a zero start with 2d steps it must match the exact solve.
        var iterative = new float[40 * d];
        IalsHalfStep.Solve(data, iterative, items, gram, Settings(d, parameters, IalsSolver.ConjugateGradient, cgSteps: 2 * d));
        for (var k = 0; k < exact.Length; k++)
        {
            Assert.True(Math.Abs(exact[k] - iterative[k]) < 1e-3 * (1 + Math.Abs(exact[k])), $"entry {k}: {exact[k]} vs {iterative[k]}");
        }
    }

    [Fact]
    public void CgSolvesEachLongRowIndependentlyOfTheOthers()
    {
        // Item rows of ~270 users each: solving them together or one at a time must give identical bits.
        const int d = 24;
        var itemUsers = PlantedData.Random(users: 12, items: 300, density: 0.9, seed: 13);
        var users = PlantedData.RandomNormal(300 * d, seed: 14, scale: 0.2f);
        var gram = GramMatrix.Compute(users, 300, d, threads: 1);
        var parameters = new IalsSolveParameters(Alpha: 2f, Lambda: 0.3f, RegularizationExponent: 0.2f);
        var start = PlantedData.RandomNormal(12 * d, seed: 15, scale: 0.1f);

        var together = (float[])start.Clone();
        IalsHalfStep.Solve(itemUsers, together, users, gram, Settings(d, parameters, IalsSolver.ConjugateGradient, cgSteps: 3));

        for (var item = 0; item < itemUsers.Rows; item++)
        {
            var single = new Data.CsrMatrix(
                1,
                itemUsers.Columns,
                [0, itemUsers.RowLength(item)],
                itemUsers.RowIndices(item).ToArray(),
                itemUsers.RowValues(item).ToArray());
            var alone = start.AsSpan(item * d, d).ToArray();
            IalsHalfStep.Solve(single, alone, users, gram, Settings(d, parameters, IalsSolver.ConjugateGradient, cgSteps: 3, threads: 1));
            Assert.Equal(alone, together.AsSpan(item * d, d).ToArray());
        }

        // And on long rows, enough CG steps reach the exact solution.
        var converged = (float[])start.Clone();
        IalsHalfStep.Solve(itemUsers, converged, users, gram, Settings(d, parameters, IalsSolver.ConjugateGradient, cgSteps: 3 * d));
        var exact = new float[12 * d];
        IalsHalfStep.Solve(itemUsers, exact, users, gram, Settings(d, parameters, IalsSolver.Cholesky));
        for (var k = 0; k < exact.Length; k++)
        {
            Assert.True(Math.Abs(exact[k] - converged[k]) < 1e-3 * (1 + Math.Abs(exact[k])), $"entry {k}: {exact[k]} vs {converged[k]}");
        }
    }

    [Fact]
    public void CgAndCholeskyTrainModelsOfSimilarQuality()
    {
        var data = PlantedData.Clustered();
        var evaluation = new EvaluationOptions { Seeds = 1, Ks = [20], Threads = 2 };
        var cg = Evaluator.Run(new IalsRecommender(Small), data, evaluation).Metrics["recall@20"];
        var cholesky = Evaluator.Run(new IalsRecommender(Small with { Solver = IalsSolver.Cholesky }), data, evaluation).Metrics["recall@20"];
        Assert.True(Math.Abs(cg - cholesky) < 0.05, $"CG {cg} vs Cholesky {cholesky}");
    }

    [Fact]
    public void FoldInOfATrainingUserReproducesAnExactUserHalfStep()
    {
        var data = PlantedData.Clustered(users: 200, items: 120, seed: 3);
        var options = Small with { Solver = IalsSolver.Cholesky, RegularizationExponent = 0.3f, Iterations = 4 };
        var model = IalsModel.Fit(data, options);

        // The last half-step solved the items, so one more exact user half-step is what fold-in must reproduce.
        var users = (float[])model.UserFactors.Clone();
        IalsHalfStep.Solve(data, users, model.ItemFactors, model.ItemGram(), options.SolverSettings);

        var foldIn = new IalsFoldIn(model.ItemFactors, model.Factors, model.ItemGram(), options.SolveParameters);
        var folded = new float[model.Factors];
        foreach (var u in new[] { 0, 17, 199 })
        {
            foldIn.SolveUser(data.RowIndices(u), data.RowValues(u), folded);
            for (var f = 0; f < model.Factors; f++)
            {
                var expected = users[(u * model.Factors) + f];
                Assert.True(Math.Abs(expected - folded[f]) < 1e-4 * (1 + Math.Abs(expected)), $"user {u} factor {f}: {expected} vs {folded[f]}");
            }
        }
    }

    [Fact]
    public void FoldInSolvesTheWeightedNormalEquations()
    {
        const int d = 11;
        const int items = 40;
        var y = PlantedData.RandomNormal(items * d, seed: 8, scale: 0.4f);
        var gram = GramMatrix.Compute(y, items, d, threads: 1);
        int[] user = [1, 4, 5, 9, 17, 22, 39];
        float[] weights = [1, 2, 1, 3, 1, 1, 5];
        const float alpha = 2.5f;
        const float lambda = 0.7f;
        const float exponent = 0.5f;
        var x = new float[d];
        new IalsFoldIn(y, d, gram, new IalsSolveParameters(alpha, lambda, exponent)).SolveUser(user, weights, x);

        // Residual of (Σ_all y·yᵀ + Σ_user (c−1)·y·yᵀ + λ_u·I)·x − Σ_user c·y, built from scratch in double.
        var lambdaUser = lambda * Math.Pow(user.Length + 1, exponent);
        for (var i = 0; i < d; i++)
        {
            var residual = lambdaUser * x[i];
            for (var item = 0; item < items; item++)
            {
                var k = Array.IndexOf(user, item);
                var c = k >= 0 ? 1 + (alpha * weights[k]) : 1.0;
                double score = 0;
                for (var f = 0; f < d; f++)
                {
                    score += y[(item * d) + f] * x[f];
                }

                residual += c * y[(item * d) + i] * (score - (k >= 0 ? 1 : 0));
            }

            Assert.True(Math.Abs(residual) < 1e-4, $"equation {i}: residual {residual}");
        }
    }

    [Fact]
    public void FoldInAfterConvergenceStaysCloseToTheTrainedUserVector()
    {
        var data = PlantedData.Clustered(users: 200, items: 120, seed: 4);
        var options = Small with { Solver = IalsSolver.Cholesky, Iterations = 25 };
        var model = IalsModel.Fit(data, options);
        var folded = new float[model.Factors];
        model.FoldInUser(data.RowIndices(5), data.RowValues(5), folded);
        var trained = model.UserFactors.AsSpan(5 * model.Factors, model.Factors);
        var difference = 0.0;
        var norm = 0.0;
        for (var f = 0; f < model.Factors; f++)
        {
            difference += Math.Pow(trained[f] - folded[f], 2);
            norm += Math.Pow(trained[f], 2);
        }

        Assert.True(Math.Sqrt(difference / norm) < 0.05, $"relative difference {Math.Sqrt(difference / norm)}");
    }

    [Fact]
    public void TrainingIsDeterministicForASeedAndThreadCount()
    {
        var data = PlantedData.Clustered(users: 300, items: 150, seed: 9);
        var first = IalsModel.Fit(data, Small with { Threads = 2 });
        var second = IalsModel.Fit(data, Small with { Threads = 2 });
        var singleThreaded = IalsModel.Fit(data, Small with { Threads = 1 });
        Assert.Equal(first.UserFactors, second.UserFactors);
        Assert.Equal(first.ItemFactors, second.ItemFactors);

        // Rows never depend on scheduling and reductions use fixed chunks, so even the thread count does not matter.
        Assert.Equal(first.ItemFactors, singleThreaded.ItemFactors);
        var otherSeed = IalsModel.Fit(data, Small with { Seed = 12 });
        Assert.NotEqual(first.ItemFactors, otherSeed.ItemFactors);
    }

    [Theory]
    [InlineData(IalsSolver.Cholesky)]
    [InlineData(IalsSolver.ConjugateGradient)]
    public void LossDecreases(IalsSolver solver)
    {
        var data = PlantedData.Clustered(users: 300, items: 150, seed: 10);
        var losses = new List<double>();
        IalsModel.Fit(data, Small with { Solver = solver, Iterations = 6 }, report => losses.Add(report.Loss!.Value));
        Assert.Equal(6, losses.Count);
        Assert.True(losses[^1] < losses[0], string.Join(", ", losses));
        if (solver == IalsSolver.Cholesky)
        {
            // Exact alternating minimization never increases the objective.
            for (var i = 1; i < losses.Count; i++)
            {
                Assert.True(losses[i] <= losses[i - 1] * (1 + 1e-5), string.Join(", ", losses));
            }
        }
    }

    [Fact]
    public void LossMatchesABruteForceEvaluationOfTheObjective()
    {
        var data = PlantedData.Random(users: 12, items: 9, density: 0.3, seed: 2);
        const int d = 4;
        var x = PlantedData.RandomNormal(12 * d, seed: 3, scale: 0.5f);
        var y = PlantedData.RandomNormal(9 * d, seed: 4, scale: 0.5f);
        var parameters = new IalsSolveParameters(2f, 0.3f, 0.5f);
        var computed = IalsLoss.Compute(data, x, y, GramMatrix.Compute(y, 9, d, 1), d, parameters, threads: 2);

        double total = 0;
        double mass = 0;
        var itemCounts = new int[9];
        foreach (var i in data.ColumnIndices)
        {
            itemCounts[i]++;
        }

        for (var u = 0; u < 12; u++)
        {
            for (var i = 0; i < 9; i++)
            {
                double score = 0;
                for (var f = 0; f < d; f++)
                {
                    score += x[(u * d) + f] * y[(i * d) + f];
                }

                var k = data.RowIndices(u).IndexOf(i);
                var c = k >= 0 ? 1 + (2.0 * data.RowValues(u)[k]) : 1;
                var p = k >= 0 ? 1 : 0;
                total += c * (p - score) * (p - score);
                mass += c;
            }

            total += parameters.RowLambda(data.RowLength(u)) * x.AsSpan(u * d, d).ToArray().Sum(v => (double)v * v);
        }

        for (var i = 0; i < 9; i++)
        {
            total += parameters.RowLambda(itemCounts[i]) * y.AsSpan(i * d, d).ToArray().Sum(v => (double)v * v);
        }

        Assert.Equal(total / mass, computed, 4);
    }

    [Fact]
    public void IalsRecallIsFarAbovePopularityOnPlantedData()
    {
        var data = PlantedData.Clustered();
        var evaluation = new EvaluationOptions { Seeds = 2, Ks = [20], Threads = 2 };
        var ials = Evaluator.Run(new IalsRecommender(Small), data, evaluation).Metrics["recall@20"];
        var popularity = Evaluator.Run(new PopularityRecommender(), data, evaluation).Metrics["recall@20"];
        Assert.True(ials > 2 * popularity && ials > 0.3, $"iALS {ials} vs popularity {popularity}");
    }

    [Fact]
    public void CancellationStopsTraining()
    {
        var data = PlantedData.Clustered(users: 100, items: 60);
        using var cancellation = new CancellationTokenSource();
        var iterations = 0;
        Assert.ThrowsAny<OperationCanceledException>(() => IalsModel.Fit(
            data,
            Small with { Iterations = 50 },
            _ =>
            {
                iterations++;
                cancellation.Cancel();
            },
            cancellation.Token));
        Assert.Equal(1, iterations);
    }

    [Fact]
    public void OptionsValidationNamesTheSetting()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new IalsOptions { Factors = 0 }.Validate());
        Assert.Contains("Factors", error.Message, StringComparison.Ordinal);
    }
}
