using RecoGrid.Training.Cluster.Contracts;
using RecoGrid.Training.Data;
using RecoGrid.Training.Models;
using RecoGrid.Training.Pipeline;
using RecoGrid.Training.Synthetic;

namespace RecoGrid.Training.Cluster.Tests;

public sealed class DistributedTrainingTests : IDisposable
{
    private static readonly IalsOptions Options = new()
    {
        Factors = 16,
        Iterations = 6,
        Alpha = 5f,
        Lambda = 0.5f,
        Threads = 2,
        Seed = 11,
        ComputeLoss = false,
    };

    private readonly string _root = Path.Combine(Path.GetTempPath(), "recogrid-cluster-tests-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static InteractionData Data() => SyntheticGenerator.Generate(new SyntheticOptions
    {
        Users = 1_500,
        Items = 400,
        Interactions = 40_000,
        Clusters = 8,
        Seed = 3,
    }).ToInteractionData();

    private TrainingResult Train(InteractionData data, IIalsFactorizer factorizer, string name) => TrainingPipeline.Run(new TrainingRequest
    {
        Source = new LoadedInteractionSource(data),
        OutputDirectory = Path.Combine(_root, name),
        Options = Options,
        Evaluation = new HoldoutEvaluation { HeldOutUserFraction = 0.2, Seed = 4 },
        Factorizer = factorizer,
    });

    private static void AssertSameMetrics(TrainingResult expected, TrainingResult actual)
    {
        Assert.Equal(expected.Metrics!.Keys.Order(), actual.Metrics!.Keys.Order());
        foreach (var (name, value) in expected.Metrics)
        {
            var relative = Math.Abs(actual.Metrics[name] - value) / Math.Max(Math.Abs(value), 1e-12);
            Assert.True(relative <= 1e-4, $"{name}: one process {value}, distributed {actual.Metrics[name]} (relative difference {relative}).");
        }
    }

    [Fact(Timeout = 300_000)]
    public async Task ThreeSilosGiveTheSameMetricsAsOneProcess()
    {
        await using var cluster = await TrainingCluster.StartAsync(3);
        var data = Data();
        var reference = Train(data, LocalIalsFactorizer.Instance, "local");
        TrainingJobProgress? last = null;
        var distributed = await Task.Run(() => Train(data, cluster.Factorizer(p => last = p), "cluster"));

        AssertSameMetrics(reference, distributed);
        Assert.Equal(Options.Iterations, distributed.Iterations.Count);
        Assert.NotNull(last);
        Assert.Equal(TrainingJobStatus.Completed, last.Status);
        Assert.Equal(3, last.SolvesBySilo.Count);
        Assert.Equal(2 * 6 * Options.Iterations, last.SolvesBySilo.Values.Sum());
        Assert.All(last.BytesPerIteration, bytes => Assert.True(bytes > 0));
        Assert.Empty(Directory.EnumerateFileSystemEntries(cluster.Store.Root));
    }
}
