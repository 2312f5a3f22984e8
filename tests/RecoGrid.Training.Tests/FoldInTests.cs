using System.Text.Json.Nodes;
using RecoGrid.Training.Artifacts;
using RecoGrid.Training.Linalg;
using RecoGrid.Training.Models;
using RecoGrid.Training.Solvers;

namespace RecoGrid.Training.Tests;

public sealed class FoldInTests : IDisposable
{
    private readonly DataTempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static IalsFoldIn Sample(int d, int items = 50, IalsSolveParameters? parameters = null)
    {
        var y = PlantedData.RandomNormal(items * d, seed: d, scale: 0.3f);
        return new IalsFoldIn(y, d, GramMatrix.Compute(y, items, d, threads: 1), parameters ?? new IalsSolveParameters(2f, 0.5f, 0.2f));
    }

    [Theory]
    [InlineData(8)]
    [InlineData(64)]
    public void FoldingInAllocatesNothingUpToSixtyFourFactors(int d)
    {
        var foldIn = Sample(d);
        int[] items = [1, 7, 8, 30, 49];
        float[] weights = [1, 2, 1, 4, 1];
        var result = new float[d];
        foldIn.SolveUser(items, weights, result);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10; i++)
        {
            foldIn.SolveUser(items, weights, result);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void AUserWithoutItemsGetsTheZeroVector()
    {
        var foldIn = Sample(12);
        var result = Enumerable.Repeat(3f, 12).ToArray();

        foldIn.SolveUser([], [], result);

        Assert.All(result, value => Assert.Equal(0f, value));
    }

    [Fact]
    public void WideModelsFoldInLikeAnExactHalfStep()
    {
        // Above 64 factors the scratch is rented; the answer must still be the exact user solve.
        const int d = 80;
        var foldIn = Sample(d, items: 120);
        var user = PlantedData.Random(users: 1, items: 120, density: 0.2, seed: 4);
        var folded = new float[d];
        foldIn.SolveUser(user.RowIndices(0), user.RowValues(0), folded);

        var solved = new float[d];
        var settings = new IalsSolverSettings { Factors = d, Parameters = foldIn.Parameters, Solver = IalsSolver.Cholesky };
        IalsHalfStep.Solve(user, solved, foldIn.ItemFactors.ToArray(), foldIn.ItemGram.ToArray(), settings);

        Assert.Equal(solved, folded);
    }

    [Fact]
    public void UnknownItemsAndMismatchedWeightsAreRefused()
    {
        var foldIn = Sample(4, items: 10);

        Assert.Throws<ArgumentOutOfRangeException>(() => foldIn.SolveUser([10], [1f], new float[4]));
        Assert.Throws<ArgumentException>(() => foldIn.SolveUser([1, 2], [1f], new float[4]));
        Assert.Throws<ArgumentException>(() => foldIn.SolveUser([1], [1f], new float[3]));
    }

    [Fact]
    public void TheModelsFoldInUsesItsItemsAndOptions()
    {
        var data = PlantedData.Clustered(users: 100, items: 60, seed: 2);
        var options = new IalsOptions { Factors = 8, Iterations = 3, Alpha = 3f, Lambda = 0.2f, RegularizationExponent = 0.4f, Threads = 2 };
        var model = IalsModel.Fit(data, options);

        Assert.Equal(options.SolveParameters, model.FoldIn.Parameters);
        Assert.Equal(model.ItemFactors, model.FoldIn.ItemFactors.ToArray());
        Assert.Equal(GramMatrix.Compute(model.ItemFactors, 60, 8, 2), model.ItemGram());
    }

    [Fact]
    public void AnArtifactsFoldInMatchesTheTrainedModels()
    {
        var data = PlantedData.Clustered(users: 100, items: 60, seed: 3);
        var options = new IalsOptions { Factors = 8, Iterations = 3, Alpha = 2f, Lambda = 0.3f, RegularizationExponent = 0.5f, Threads = 2 };
        var model = IalsModel.Fit(data, options);
        var directory = _folder.File("model");
        ModelArtifact.Write(directory, new ModelArtifactContent
        {
            Model = ArtifactManifest.IalsModel,
            Solve = options.SolveParameters,
            Factors = model.Factors,
            ItemIds = [.. Enumerable.Range(0, 60).Select(i => "item-" + i)],
            ItemFactors = model.ItemFactors,
        });

        var foldIn = IalsFoldIn.FromArtifact(ModelArtifact.Load(directory), threads: 2);
        var fromArtifact = new float[8];
        var fromModel = new float[8];
        foldIn.SolveUser(data.RowIndices(7), data.RowValues(7), fromArtifact);
        model.FoldInUser(data.RowIndices(7), data.RowValues(7), fromModel);

        Assert.Equal(options.SolveParameters, foldIn.Parameters);
        Assert.Equal(fromModel, fromArtifact);
    }

    [Fact]
    public void AnArtifactOfAnotherModelHasNoFoldIn()
    {
        var directory = _folder.File("ease");
        ModelArtifact.Write(directory, new ModelArtifactContent
        {
            Model = "ease",
            Factors = 2,
            ItemIds = ["a"],
            ItemFactors = new float[] { 1f, 2f },
            Training = new JsonObject(),
        });

        var error = Assert.Throws<ModelArtifactException>(() => IalsFoldIn.FromArtifact(ModelArtifact.Load(directory), threads: 1));

        Assert.Contains("ease", error.Message, StringComparison.Ordinal);
    }
}
