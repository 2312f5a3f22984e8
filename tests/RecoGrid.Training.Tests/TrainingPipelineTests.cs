using RecoGrid.Training.Artifacts;
using RecoGrid.Training.Data;
using RecoGrid.Training.Models;
using RecoGrid.Training.Pipeline;

namespace RecoGrid.Training.Tests;

public sealed class TrainingPipelineTests : IDisposable
{
    private static readonly IalsOptions Options = new()
    {
        Factors = 8,
        Iterations = 4,
        Alpha = 3f,
        Lambda = 0.2f,
        RegularizationExponent = 0.3f,
        Threads = 2,
        Seed = 5,
    };

    private readonly DataTempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>The planted matrix as a log of (user, item, weight) records, the shape a scheduled job reads.</summary>
    private static (CsrMatrix Matrix, InteractionRecordSource Source) PlantedLog(int users = 200, int items = 90)
    {
        var matrix = PlantedData.Clustered(users: users, items: items, seed: 12);
        var records = new List<(string, string, float)>();
        for (var u = 0; u < matrix.Rows; u++)
        {
            var row = matrix.RowIndices(u);
            for (var k = 0; k < row.Length; k++)
            {
                records.Add(($"u{u}", $"i{row[k]}", matrix.RowValues(u)[k]));
            }
        }

        return (matrix, InteractionRecordSource.FromTuples(records, description: "interaction log"));
    }

    [Fact]
    public void ARunFromRecordsWritesAnArtifactOfTheSameModelAsFittingDirectly()
    {
        var (_, source) = PlantedLog();
        var reports = new List<IterationReport>();
        InteractionStatistics? loaded = null;

        var result = TrainingPipeline.Run(new TrainingRequest
        {
            Source = source,
            OutputDirectory = _folder.File("model"),
            Options = Options,
            OnLoaded = s => loaded = s,
            OnIteration = reports.Add,
        });

        var data = source.Load(CancellationToken.None);
        var direct = IalsModel.Fit(data.UserItems, Options);
        var artifact = ModelArtifact.Load(result.ArtifactDirectory);
        var (userIds, userFactors) = artifact.ReadAllUsers();
        Assert.Equal(direct.ItemFactors, artifact.ItemFactors);
        Assert.Equal(direct.UserFactors, userFactors);
        Assert.Equal(data.UserIds, userIds);
        Assert.Equal(data.ItemIds, artifact.ItemIds);
        Assert.Equal("ials", artifact.Manifest.Model);
        Assert.Equal(Options.SolveParameters, artifact.Manifest.Solve);
        Assert.Null(artifact.Manifest.Metrics);
        Assert.Equal("interaction log", (string?)artifact.Manifest.Data!["filters"]!["input"]);
        Assert.Equal(data.Statistics, loaded);
        Assert.Equal([1, 2, 3, 4], reports.Select(r => r.Iteration));
        Assert.Equal(reports, result.Iterations);
        Assert.All(reports, r => Assert.True(r.Seconds >= 0 && r.Loss is > 0));
        Assert.Equal(reports[^1].Loss, result.FinalLoss);
        Assert.Equal(4, result.SecondsPerIteration.Count);
        Assert.Null(result.Evaluation);
    }

    [Fact]
    public void AnEvaluatedRunRecordsItsMetricsInTheManifest()
    {
        var (_, source) = PlantedLog(users: 400);
        var holdout = new HoldoutEvaluation { HeldOutUserFraction = 0.2, Ks = [10, 20], Seed = 3 };

        var result = TrainingPipeline.Run(new TrainingRequest
        {
            Source = source,
            OutputDirectory = _folder.File("evaluated"),
            Options = Options,
            Evaluation = holdout,
        });

        var manifest = ModelArtifact.Load(result.ArtifactDirectory).Manifest;
        Assert.NotNull(result.Evaluation);
        Assert.True(result.Evaluation.EvaluatedUsers > 50);
        Assert.Equal(result.Evaluation.Metrics, manifest.Metrics);
        Assert.Contains("ndcg@20", manifest.Metrics!.Keys);

        // Planted clusters are easy: a working pipeline recovers far more than the ~7% a random top-20 would.
        Assert.True(manifest.Metrics["recall@20"] > 0.3, $"recall@20 {manifest.Metrics["recall@20"]}");
        Assert.Equal(400, manifest.Users);
        Assert.Equal(result.Evaluation.EvaluatedUsers, (double)manifest.Training!["evaluation"]!["evaluated_users"]!);
    }

    [Fact]
    public void HeldOutUsersGetTheirFoldInFromAllTheirItems()
    {
        var (_, source) = PlantedLog(users: 150);
        var options = Options with { Iterations = 2 };

        var result = TrainingPipeline.Run(new TrainingRequest
        {
            Source = source,
            OutputDirectory = _folder.File("folded"),
            Options = options,
            Evaluation = new HoldoutEvaluation { HeldOutUserFraction = 0.3, Seed = 1 },
        });

        var artifact = ModelArtifact.Load(result.ArtifactDirectory);
        var foldIn = new IalsFoldIn(artifact.ItemFactors, 8, Linalg.GramMatrix.Compute(artifact.ItemFactors, artifact.ItemIds.Count, 8, 2), options.SolveParameters);
        var (_, userFactors) = artifact.ReadAllUsers();
        var matrix = source.Load(CancellationToken.None).UserItems;
        var expected = new float[8];
        var matches = 0;
        for (var u = 0; u < matrix.Rows; u++)
        {
            foldIn.SolveUser(matrix.RowIndices(u), matrix.RowValues(u), expected);
            matches += expected.AsSpan().SequenceEqual(userFactors.AsSpan(u * 8, 8)) ? 1 : 0;
        }

        // Exactly the held-out users are folded in; trained users keep the vectors training gave them.
        Assert.Equal(45, matches);
    }

    [Fact]
    public void CancellingDuringTrainingLeavesNoArtifact()
    {
        var (_, source) = PlantedLog();
        using var cancellation = new CancellationTokenSource();
        var directory = _folder.File("cancelled");

        Assert.ThrowsAny<OperationCanceledException>(() => TrainingPipeline.Run(
            new TrainingRequest
            {
                Source = source,
                OutputDirectory = directory,
                Options = Options with { Iterations = 50 },
                OnIteration = _ => cancellation.Cancel(),
            },
            cancellation.Token));

        Assert.False(Directory.Exists(directory));
    }

    [Fact]
    public void AFileSourceRecordsItsPathAndFilters()
    {
        var path = _folder.Write("i.csv", "a,x,1\na,y,1\nb,x,1\nb,z,1\nc,y,1\n");

        var result = TrainingPipeline.Run(new TrainingRequest
        {
            Source = new InteractionFileSource(path, new InteractionLoadOptions { MinItemUsers = 1 }),
            OutputDirectory = _folder.File("from-file"),
            Options = Options with { Factors = 2, Iterations = 1 },
        });

        var data = ModelArtifact.Load(result.ArtifactDirectory).Manifest.Data!;
        Assert.Equal(path, (string?)data["filters"]!["input"]);
        Assert.Equal(1, (int)data["filters"]!["min_item_users"]!);
        Assert.Equal(5, (long)data["interactions"]!);
        Assert.Equal(3, result.Statistics.Users);
    }

    [Fact]
    public void InvalidOptionsFailBeforeAnythingIsRead()
    {
        var source = new InteractionRecordSource(ThrowingRecords());

        Assert.Throws<ArgumentOutOfRangeException>(() => TrainingPipeline.Run(new TrainingRequest
        {
            Source = source,
            OutputDirectory = _folder.File("never"),
            Options = Options with { Factors = 0 },
        }));
        Assert.Throws<ArgumentOutOfRangeException>(() => TrainingPipeline.Run(new TrainingRequest
        {
            Source = source,
            OutputDirectory = _folder.File("never"),
            Evaluation = new HoldoutEvaluation { HeldOutUserFraction = 1.5 },
        }));
    }

    private static IEnumerable<InteractionRecord> ThrowingRecords()
    {
        yield return new InteractionRecord("u", "i", 1f);
        throw new InvalidOperationException("The source must not be read.");
    }
}
