using System.CommandLine;
using System.Text.Json.Nodes;
using RecoGrid.Cli.Commands;
using RecoGrid.Cli.Hosting;

namespace RecoGrid.Cli.Tests;

/// <summary>`recogrid evaluate --online` against the real host: what users get online is what the offline evaluation promises.</summary>
public sealed class OnlineEvaluationTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "recogrid-online-eval-" + Guid.NewGuid().ToString("N"));

    public OnlineEvaluationTests() => Directory.CreateDirectory(_root);

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private static async Task<(int Code, string Output, string Error)> RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await RecoGridCommands.Build().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task OnlineRecallAndNdcgEqualTheOfflineEvaluationOnTheSameSplits()
    {
        var input = Path.Combine(_root, "interactions.csv");
        var generated = await RunAsync("generate", "--users", "300", "--items", "120", "--interactions", "6000", "--seed", "5", "--clusters", "6", "--out", input);
        Assert.True(generated.Code == 0, generated.Error);

        var dataDir = Path.Combine(_root, "data");
        var port = TestPorts.Next();
        var settings = HostFixture.TestSettings();
        settings["Models:PollInterval"] = "00:00:00.200";
        await using var app = ServeHost.Build(new ServeSettings { Urls = $"http://127.0.0.1:{port}", DataDir = dataDir, Overrides = settings });
        await app.StartAsync();

        var report = Path.Combine(_root, "online.json");
        var (code, output, error) = await RunAsync(
            "evaluate", "--input", input, "--online", $"http://127.0.0.1:{port}", "--data-dir", dataDir,
            "--factors", "8", "--iterations", "3", "--threads", "1", "--seeds", "1", "--k", "20,100", "--json", report);

        Assert.True(code == 0, error + output);
        Assert.Contains("online", output, StringComparison.Ordinal);
        var json = JsonNode.Parse(File.ReadAllText(report))!;
        Assert.True((double)json["evaluated_users"]! > 30);
        foreach (var metric in new[] { "recall@20", "ndcg@100" })
        {
            var offline = (double)json["offline"]![metric]!;
            var online = (double)json["online"]![metric]!;
            Assert.True(offline > 0.05, $"{metric} offline is {offline}");
            Assert.True(Math.Abs(online - offline) <= 0.01, $"{metric}: online {online} vs offline {offline}");
        }

        await app.StopAsync();
    }
}
