using System.Diagnostics;
using System.Text.Json;

namespace RecoGrid.Cli.Tests;

/// <summary>The load test tool (loadtest/RecoGrid.LoadTest) run for real at a tiny size against a node it starts on loopback.</summary>
public sealed class LoadTestToolTests : IDisposable
{
    private readonly string _out = Path.Combine(Path.GetTempPath(), "recogrid-loadtest-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_out, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean.
        }
    }

    [Fact]
    public async Task AnOpenLoopRunOnAPreparedModelWritesJsonMarkdownAndChartsThatAgree()
    {
        var (code, output) = await RunAsync(
            "--start-server", Path.Combine(AppContext.BaseDirectory, "recogrid.dll"), "--prepare", "--users", "500", "--items", "120",
            "--rate", "60", "--duration", "4", "--mix", "events=20,recommendations=80", "--new-users-per-second", "2", "--out", _out);

        Assert.True(code == 0, output);
        using var report = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(_out, "report.json")));
        var root = report.RootElement;
        Assert.Equal("open-loop", root.GetProperty("mode").GetString());
        var endpoints = root.GetProperty("endpoints").EnumerateArray().ToDictionary(e => e.GetProperty("endpoint").GetString()!);
        var recommendations = endpoints["recommendations"];
        var events = endpoints["events"];
        Assert.True(recommendations.GetProperty("ok").GetInt64() > events.GetProperty("ok").GetInt64(), output);
        Assert.True(events.GetProperty("ok").GetInt64() > 0, output);
        Assert.Empty(recommendations.GetProperty("errors").EnumerateObject());
        var latency = recommendations.GetProperty("latency");
        Assert.InRange(latency.GetProperty("p50").GetDouble(), 0.001, latency.GetProperty("p99").GetDouble());
        Assert.True(latency.GetProperty("p99").GetDouble() <= latency.GetProperty("max").GetDouble());
        // --prepare trained and promoted a model, so the model path answered, not popularity.
        Assert.True(root.GetProperty("modelShare").GetDouble() > 0.5, output);
        Assert.True(root.GetProperty("timeline").GetArrayLength() >= 4);

        // The node's memory, read from its /metrics each second: working set, active user grains, distinct users.
        var memory = root.GetProperty("memory");
        Assert.True(memory.GetProperty("startWorkingSetBytes").GetInt64() > 10 << 20, output);
        Assert.True(memory.GetProperty("peakWorkingSetBytes").GetInt64() >= memory.GetProperty("startWorkingSetBytes").GetInt64());
        Assert.InRange(memory.GetProperty("peakUserActivations").GetInt64(), 1, memory.GetProperty("distinctUsers").GetInt64());
        Assert.True(root.GetProperty("timeline").EnumerateArray().Any(s => s.GetProperty("server").ValueKind == JsonValueKind.Object), output);

        var markdown = await File.ReadAllTextAsync(Path.Combine(_out, "report.md"));
        Assert.Contains("| recommendations |", markdown, StringComparison.Ordinal);
        Assert.Contains("![latency](latency.png)", markdown, StringComparison.Ordinal);
        Assert.Contains("## Node memory", markdown, StringComparison.Ordinal);
        foreach (var chart in new[] { "latency.png", "throughput.png", "errors.png", "memory.png" })
        {
            var bytes = await File.ReadAllBytesAsync(Path.Combine(_out, chart));
            Assert.True(bytes.Length > 1000, chart);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        }
    }

    private static async Task<(int Code, string Output)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(LoadTestDll());
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    /// <summary>The tool's build beside this test's (same configuration), built first through the project reference.</summary>
    private static string LoadTestDll()
    {
        var framework = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var configuration = framework.Parent!.Name;
        var root = framework;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "RecoGrid.sln")))
        {
            root = root.Parent;
        }

        var dll = Path.Combine(root!.FullName, "loadtest", "RecoGrid.LoadTest", "bin", configuration, framework.Name, "RecoGrid.LoadTest.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("Build loadtest/RecoGrid.LoadTest first (the test project references it).", dll);
    }
}
