using RecoGrid.Training.Linalg;
using RecoGrid.Training.Models;
using RecoGrid.Training.Solvers;

namespace RecoGrid.Training.Tests;

/// <summary>The public half-step over a row range and the partial Gram: the seam a distributed training job uses.</summary>
public sealed class HalfStepTests
{
    private const int D = 13;

    private static readonly IalsSolveParameters Parameters = new(Alpha: 2f, Lambda: 0.4f, RegularizationExponent: 0.3f);

    private static IalsSolverSettings Settings(IalsSolver solver, int threads) =>
        new() { Factors = D, Parameters = Parameters, Solver = solver, CgSteps = 4, Threads = threads };

    [Theory]
    [InlineData(IalsSolver.ConjugateGradient)]
    [InlineData(IalsSolver.Cholesky)]
    public void SolvingTheRowsAsSeveralRangesGivesTheSameBitsAsOneFullPass(IalsSolver solver)
    {
        // Rows of very different lengths, and a few empty ones, so range edges fall inside and between heavy rows.
        var rows = PlantedData.Clustered(users: 257, items: 90, seed: 21);
        var fixedFactors = PlantedData.RandomNormal(90 * D, seed: 22, scale: 0.3f);
        var gram = GramMatrix.Compute(fixedFactors, 90, D, threads: 1);
        var start = PlantedData.RandomNormal(257 * D, seed: 23, scale: 0.1f);

        var full = (float[])start.Clone();
        IalsHalfStep.Solve(rows, full, fixedFactors, gram, Settings(solver, threads: 2));

        int[] edges = [0, 1, 64, 65, 200, 257];
        var blocks = new float[257 * D];
        for (var b = 0; b + 1 < edges.Length; b++)
        {
            // Each worker holds only its block's vectors, warm-started from the same values as the full pass.
            var block = start.AsSpan(edges[b] * D, (edges[b + 1] - edges[b]) * D).ToArray();
            IalsHalfStep.Solve(rows, edges[b], edges[b + 1], block, fixedFactors, gram, Settings(solver, threads: 1 + (b % 2)));
            block.CopyTo(blocks, edges[b] * D);
        }

        Assert.Equal(full, blocks);
    }

    [Fact]
    public void AnEmptyRangeChangesNothing()
    {
        var rows = PlantedData.Random(users: 10, items: 8, density: 0.5, seed: 1);
        var fixedFactors = PlantedData.RandomNormal(8 * D, seed: 2);
        var target = new float[] { 42f };

        IalsHalfStep.Solve(rows, 4, 4, target, fixedFactors, GramMatrix.Compute(fixedFactors, 8, D, 1), Settings(IalsSolver.Cholesky, 1));

        Assert.Equal([42f], target);
    }

    [Fact]
    public void ARangeOutsideTheMatrixOrATooSmallBlockIsRefused()
    {
        var rows = PlantedData.Random(users: 10, items: 8, density: 0.5, seed: 1);
        var fixedFactors = PlantedData.RandomNormal(8 * D, seed: 2);
        var gram = GramMatrix.Compute(fixedFactors, 8, D, 1);
        var settings = Settings(IalsSolver.ConjugateGradient, 1);

        Assert.Throws<ArgumentOutOfRangeException>(() => IalsHalfStep.Solve(rows, 5, 11, new float[6 * D], fixedFactors, gram, settings));
        Assert.Throws<ArgumentOutOfRangeException>(() => IalsHalfStep.Solve(rows, 6, 5, new float[D], fixedFactors, gram, settings));
        Assert.Throws<ArgumentException>(() => IalsHalfStep.Solve(rows, 2, 6, new float[3 * D], fixedFactors, gram, settings));
    }

    [Fact]
    public void SummedBlockPartialsEqualTheFullGramWithinFloatRounding()
    {
        const int rows = 1000;
        var factors = PlantedData.RandomNormal(rows * D, seed: 31);
        var full = GramMatrix.Compute(factors, rows, D, threads: 2);

        int[] edges = [0, 3, 130, 700, 1000];
        var partials = new List<float[]>();
        for (var b = 0; b + 1 < edges.Length; b++)
        {
            partials.Add(GramMatrix.Partial(factors, edges[b], edges[b + 1], D, threads: 2));
        }

        var summed = GramMatrix.Sum(partials, D);
        for (var k = 0; k < full.Length; k++)
        {
            // Entries are sums of ~1000 products of unit normals; 1e-5 relative to that scale is float rounding.
            Assert.True(Math.Abs(full[k] - summed[k]) <= 1e-5f * rows, $"entry {k}: {full[k]} vs {summed[k]}");
        }

        // Each partial is itself a symmetric Gram matrix of its rows.
        var middle = partials[2];
        for (var i = 0; i < D; i++)
        {
            for (var j = 0; j < D; j++)
            {
                double expected = 0;
                for (var r = 130; r < 700; r++)
                {
                    expected += (double)factors[(r * D) + i] * factors[(r * D) + j];
                }

                Assert.True(Math.Abs(expected - middle[(i * D) + j]) < 1e-3, $"partial [{i},{j}]: {expected} vs {middle[(i * D) + j]}");
            }
        }
    }

    [Fact]
    public void ThePartialOfAllRowsIsTheFullGram()
    {
        var factors = PlantedData.RandomNormal(300 * D, seed: 5);

        Assert.Equal(GramMatrix.Compute(factors, 300, D, threads: 1), GramMatrix.Partial(factors, 0, 300, D, threads: 2));
    }

    [Fact]
    public void FitIsTheDriverRunAlternatelyOverBothSides()
    {
        // One iteration of Fit must be exactly: user half-step against the initial items, then item half-step.
        var data = PlantedData.Clustered(users: 120, items: 60, seed: 8);
        var options = new IalsOptions { Factors = D, Iterations = 1, Threads = 2, Seed = 4, ComputeLoss = false };
        var initial = IalsModel.Fit(data, options with { Iterations = 0 });
        var trained = IalsModel.Fit(data, options);

        var users = (float[])initial.UserFactors.Clone();
        var items = (float[])initial.ItemFactors.Clone();
        IalsHalfStep.Solve(data, users, items, GramMatrix.Compute(items, 60, D, 2), options.SolverSettings);
        IalsHalfStep.Solve(data.Transpose(), items, users, GramMatrix.Compute(users, 120, D, 2), options.SolverSettings);

        Assert.Equal(trained.UserFactors, users);
        Assert.Equal(trained.ItemFactors, items);
    }
}
