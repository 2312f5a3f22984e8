using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace RecoGrid.LoadTest;

/// <summary>A `recogrid serve` child process on a fresh data folder and free loopback ports.</summary>
internal sealed class SpawnedServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dataDir;

    private readonly bool _ownsDataDir;

    private SpawnedServer(Process process, string dataDir, bool ownsDataDir, Uri baseAddress)
    {
        _ownsDataDir = ownsDataDir;
        _process = process;
        _dataDir = dataDir;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    /// <summary>The node's local admin key, to call the API with.</summary>
    public string? ApiKey { get; private set; }

    /// <summary>Seconds from process start until /readyz answered 200.</summary>
    public double StartupSeconds { get; private set; }

    /// <param name="environment">Extra settings for the node (e.g. <c>RECOGRID__Telemetry__Enabled</c>), applied last.</param>
    public static async Task<SpawnedServer> StartAsync(string recogridDll, string? existingDataDir, CancellationToken cancellationToken, IReadOnlyDictionary<string, string>? environment = null)
    {
        var dataDir = existingDataDir ?? Path.Combine(Path.GetTempPath(), "recogrid-load-" + Guid.NewGuid().ToString("N"));
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Path.GetFullPath(recogridDll), "serve", "--urls", $"http://127.0.0.1:{port}", "--data-dir", dataDir })
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["RECOGRID__Orleans__SiloPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["RECOGRID__Orleans__GatewayPort"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["RECOGRID__Logging__LogLevel__Default"] = "Warning";
        // The load test measures the node, not its per-key rate limit.
        start.Environment["RECOGRID__Limits__RequestsPerSecond"] = "0";
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var clock = Stopwatch.StartNew();
        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { Console.Error.WriteLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new SpawnedServer(process, dataDir, existingDataDir is null, new Uri($"http://127.0.0.1:{port}"));
        using var http = new HttpClient { BaseAddress = server.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        while (clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (process.HasExited)
            {
                throw new InvalidOperationException($"recogrid exited with code {process.ExitCode}");
            }

            try
            {
                using var response = await http.GetAsync("/readyz", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    server.StartupSeconds = clock.Elapsed.TotalSeconds;
                    var keyFile = Path.Combine(dataDir, "admin.key");
                    server.ApiKey = File.Exists(keyFile) ? (await File.ReadAllTextAsync(keyFile, cancellationToken)).Trim() : null;
                    return server;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(50, cancellationToken);
        }

        await server.DisposeAsync();
        throw new TimeoutException("recogrid did not become ready within 2 minutes");
    }

    /// <summary>The node's data folder.</summary>
    public string DataDir => _dataDir;

    /// <summary>Kills the process at once (SIGKILL on Linux, as `kill -9`), leaving its data folder as the crash left it.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        if (!_ownsDataDir)
        {
            return;
        }

        try
        {
            Directory.Delete(_dataDir, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: it is a temporary folder.
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
