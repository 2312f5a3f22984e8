using System.CommandLine;
using System.Text.Json.Nodes;
using RecoGrid.Cli.Commands;
using RecoGrid.Training.Artifacts;

namespace RecoGrid.Cli.Tests;

/// <summary>The offline commands run in-process through the real command tree on small generated files.</summary>
public sealed class OfflineCommandTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "recogrid-offline-" + Guid.NewGuid().ToString("N"));

    public OfflineCommandTests() => Directory.CreateDirectory(_folder);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean.
        }
    }

    private string PathOf(string name) => Path.Combine(_folder, name);

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await RecoGridCommands.Build().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (exitCode, output.ToString(), error.ToString());
    }

    private async Task<string> GenerateAsync()
    {
        var file = PathOf("interactions.csv");
        var (code, _, error) = await RunAsync("generate", "--users", "300", "--items", "120", "--interactions", "6000", "--seed", "5", "--clusters", "6", "--out", file);
        Assert.True(code == 0, error);
        return file;
    }

    [Fact]
    public async Task GenerateThenTrainWritesAnArtifactThatLoads()
    {
        var input = await GenerateAsync();
        var model = PathOf("model");
        var report = PathOf("train.json");

        var (code, output, error) = await RunAsync(
            "train", "--input", input, "--out", model, "--factors", "8", "--iterations", "2", "--threads", "1", "--json", report);

        Assert.True(code == 0, error);
        Assert.Contains("iteration", output, StringComparison.Ordinal);
        var artifact = ModelArtifact.Load(model);
        Assert.Equal(8, artifact.Factors);
        Assert.Equal(120, artifact.ItemIds.Count);
        Assert.Equal(300, artifact.Manifest.Users);
        using var lookup = artifact.OpenUserLookup();
        Assert.True(lookup.TryGet("0", new float[8]));
        var json = JsonNode.Parse(File.ReadAllText(report))!;
        Assert.Equal(2, json["seconds_per_iteration"]!.AsArray().Count);
        Assert.True((long)json["peak_memory_bytes"]! > 0);
        Assert.Equal(8, (int)json["settings"]!["factors"]!);
        Assert.Equal(6000, (long)json["data"]!["interactions"]!);
    }

    [Fact]
    public async Task EvaluateWritesMetricsForEveryModel()
    {
        var input = await GenerateAsync();
        var report = PathOf("eval.json");

        var (code, output, error) = await RunAsync(
            "evaluate", "--input", input, "--models", "ials,ease,popularity", "--k", "10,20", "--seeds", "1",
            "--factors", "8", "--iterations", "2", "--threads", "1", "--json", report);

        Assert.True(code == 0, error);
        Assert.Contains("ndcg@20", output, StringComparison.Ordinal);
        var models = JsonNode.Parse(File.ReadAllText(report))!["models"]!.AsObject();
        Assert.Equal(["ials", "ease", "popularity"], models.Select(m => m.Key));
        foreach (var (_, metrics) in models)
        {
            foreach (var key in new[] { "recall@10", "recall@20", "ndcg@10", "ndcg@20" })
            {
                var value = (double)metrics![key]!;
                Assert.InRange(value, 0.0, 1.0);
            }
        }
    }

    [Fact]
    public async Task TuneWritesAConfigThatTrainAccepts()
    {
        var input = await GenerateAsync();
        var config = PathOf("best.json");

        var (code, _, error) = await RunAsync(
            "tune", "--input", input, "--trials", "2", "--search-factors", "4,8", "--iterations", "2", "--threads", "1", "--out", config);
        Assert.True(code == 0, error);
        var best = JsonNode.Parse(File.ReadAllText(config))!;

        (code, _, error) = await RunAsync("train", "--input", input, "--config", config, "--out", PathOf("tuned"), "--threads", "1", "--no-loss");

        Assert.True(code == 0, error);
        Assert.Equal((int)best["factors"]!, ModelArtifact.Load(PathOf("tuned")).Factors);
    }

    [Fact]
    public async Task AMissingInputFileFailsWithAClearMessage()
    {
        var (code, _, error) = await RunAsync("train", "--input", PathOf("absent.csv"), "--out", PathOf("model"));

        Assert.NotEqual(0, code);
        Assert.Contains("absent.csv", error, StringComparison.Ordinal);
        Assert.Contains("does not exist", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AMalformedInputFileNamesTheLine()
    {
        var input = PathOf("bad.csv");
        File.WriteAllText(input, "user,item,rating\nu1,i1,4\nu2,i2,not-a-number\n");

        var (code, _, error) = await RunAsync("train", "--input", input, "--out", PathOf("model"));

        Assert.Equal(1, code);
        Assert.Contains("line 3", error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(PathOf("model")));
    }

    [Fact]
    public async Task SkipBadLinesLetsTrainingGoOn()
    {
        var input = PathOf("bad.csv");
        File.WriteAllText(input, "user,item,rating\nu1,i1,4\nu1,i2,5\nu2,i2,oops\nu2,i1,3\n");

        var (code, output, error) = await RunAsync(
            "train", "--input", input, "--out", PathOf("model"), "--skip-bad-lines", "--factors", "2", "--iterations", "1", "--threads", "1");

        Assert.True(code == 0, error);
        Assert.Contains("skipped 1 bad lines", string.Join(' ', output.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheTimeProtocolWithoutTimestampsIsRejected()
    {
        var input = PathOf("pairs.csv");
        File.WriteAllText(input, "a,x\na,y\nb,x\n");

        var (code, _, error) = await RunAsync("evaluate", "--input", input, "--protocol", "time");

        Assert.Equal(1, code);
        Assert.Contains("timestamps", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BenchTrainReportsMedianSecondsPerIteration()
    {
        var report = PathOf("bench.json");

        var (code, output, error) = await RunAsync(
            "bench", "train", "--users", "200", "--items", "100", "--interactions", "3000", "--factors", "4,8", "--iterations", "2",
            "--threads", "1", "--json", report);

        Assert.True(code == 0, error);
        Assert.Contains("GFLOP/s", output, StringComparison.Ordinal);
        var results = JsonNode.Parse(File.ReadAllText(report))!["results"]!.AsArray();
        Assert.Equal([4, 8], results.Select(r => (int)r!["factors"]!));
        Assert.All(results, r => Assert.True((double)r!["median_seconds_per_iteration"]! > 0));
    }

    [Fact]
    public async Task BenchRetrievalMeasuresARegisteredVersionWithItsOwnUsersAsQueries()
    {
        var artifact = PathOf("planted");
        var data = PathOf("data");
        var report = PathOf("retrieval.json");
        var (code, _, error) = await RunAsync("generate", "--artifact", artifact, "--items", "30000", "--users", "200", "--factors", "16", "--seed", "3");
        Assert.True(code == 0, error);
        (code, _, error) = await RunAsync("models", "add", artifact, "--data-dir", data);
        Assert.True(code == 0, error);

        (code, _, error) = await RunAsync(
            "bench", "retrieval", "--version", Path.Combine(data, "models", "v1"), "--users", "150", "--recall-users", "100", "--duration", "1",
            "--concurrency", "4", "--json", report);

        Assert.True(code == 0, error);
        var json = JsonNode.Parse(File.ReadAllText(report))!;
        Assert.Equal(30000, (int)json["settings"]!["items"]!);
        Assert.Equal(16, (int)json["settings"]!["factors"]!);
        Assert.True((bool)json["build"]!["registered"]!);
        Assert.True((int)json["build"]!["indexBuildThreads"]! >= 1);
        Assert.Equal(100, (int)json["recall"]!["users"]!);
        Assert.True((double)json["recall"]!["meanRecall"]! >= 0.9, $"recall {json["recall"]!["meanRecall"]}");
        Assert.True((double)json["twoStage"]!["requestsPerSecond"]! > 0);
        Assert.True(Directory.Exists(Path.Combine(data, "models", "v1", "scoring")), "the registered version must be left in place");

        (code, _, error) = await RunAsync("bench", "retrieval", "--version", artifact);
        Assert.Equal(1, code);
        Assert.Contains("not a registered version", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CancellationStopsACommandWithExitCode130()
    {
        var input = await GenerateAsync();
        var error = new StringWriter();
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        var code = await RecoGridCommands.Build()
            .Parse(["train", "--input", input, "--out", PathOf("model")])
            .InvokeAsync(new InvocationConfiguration { Output = new StringWriter(), Error = error }, cancelled.Token);

        Assert.Equal(130, code);
        Assert.Contains("Cancelled", error.ToString(), StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(PathOf("model"), "manifest.json")));
    }

    [Fact]
    public async Task AnUnknownShapeIsAClearError()
    {
        var (code, _, error) = await RunAsync("generate", "--shape", "netflix", "--out", PathOf("x.csv"));

        Assert.Equal(1, code);
        Assert.Contains("netflix", error, StringComparison.Ordinal);
    }
}
