using System.Globalization;
using System.Net;

namespace RecoGrid.Cli.Tests;

/// <summary>A silo that far more users pass through than fit in its memory stays alive and inside its limit.</summary>
public sealed class MemoryBoundTests : IDisposable
{
    // The GC heap limit the node runs under, and how many distinct users visit it: at about 4 KB per active user
    // (Orleans' activation plus RecoGrid's state), far more users than fit next to the node's own baseline heap.
    private const long HeapLimitBytes = 128L * 1024 * 1024;
    private const int Users = 40_000;

    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "recogrid-memory-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean.
        }
    }

    [Fact]
    public async Task ASiloWithAHeapLimitServesFarMoreUsersThanFitByShedding()
    {
        var settings = HostFixture.TestSettings();
        settings["Activations:CollectionInterval"] = "00:00:01";
        settings["Activations:UserCollectionAge"] = "00:00:30";
        settings["Activations:MemoryLimitPercent"] = "60";
        settings["Activations:MemoryTargetPercent"] = "40";
        settings["Activations:MemoryPollInterval"] = "00:00:00.250";
        settings["Logging:LogLevel:Default"] = "Warning";
        var environment = new Dictionary<string, string>
        {
            ["DOTNET_GCHeapHardLimit"] = "0x" + HeapLimitBytes.ToString("X", CultureInfo.InvariantCulture),
        };
        await using var server = await ServerProcess.StartAsync(_dataDir, settings, environment: environment);

        // Every request activates one more user grain: recommendations (popularity here) for users never seen before.
        var next = -1;
        var failures = 0;
        long peakWorkingSet = 0;
        var callers = Enumerable.Range(0, 32).Select(async _ =>
        {
            int user;
            while ((user = Interlocked.Increment(ref next)) < Users)
            {
                using var response = await server.Http.GetAsync($"/v1/users/visitor-{user}/recommendations?count=5");
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref failures);
                }

                if (user % 5000 == 0)
                {
                    Interlocked.Exchange(ref peakWorkingSet, Math.Max(Interlocked.Read(ref peakWorkingSet), server.WorkingSetBytes()));
                }
            }
        });
        await Task.WhenAll(callers);

        Assert.False(server.HasExited, server.Output);
        Assert.True(failures == 0, $"{failures} of {Users} requests failed:\n{server.Output}");
        using var ready = await server.Http.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        // The managed heap cannot pass its hard limit (the process would fail instead); the rest of the working set is
        // the runtime, ONNX Runtime and mapped files, a bound that does not grow with users.
        Assert.True(peakWorkingSet < HeapLimitBytes + 400L * 1024 * 1024, $"working set {peakWorkingSet / (1024 * 1024)} MiB");
    }
}
