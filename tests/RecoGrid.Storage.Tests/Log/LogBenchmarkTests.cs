using RecoGrid.Storage.FileSystem.Log;

namespace RecoGrid.Storage.Tests.Log;

public sealed class LogBenchmarkTests : FileLogTestBase
{
    [Fact]
    public async Task AShortRunReportsEveryScenarioAsAJsonLineAndCleansUp()
    {
        var output = new StringWriter();
        var results = await LogBenchmark.RunAsync(
            new LogBenchmarkSettings { Directory = Root, Duration = TimeSpan.FromMilliseconds(100), Callers = 4, Partitions = 2, RecordsPerAppend = 10 },
            output);

        Assert.Equal(["raw-write-fsync", "group-commit-fsync", "group-commit-no-fsync"], results.Select(r => r.Scenario));
        Assert.All(results, r => Assert.True(r.Records > 0 && r.RecordsPerSecond > 0 && r.Flushes > 0));
        Assert.All(results.Skip(1), r => Assert.Equal(r.Appends * 10, r.Records));
        Assert.Equal(3, output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        Assert.Contains("\"recordsPerSecond\":", output.ToString(), StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(Root));
    }
}
