using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace RecoGrid.Cli.Tests;

/// <summary>The real `recogrid serve` executable in a child process, on loopback ports chosen at run time.</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServerProcess(Process process, int httpPort)
    {
        _process = process;
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(30) };
    }

    public HttpClient Http { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts `recogrid serve` on <paramref name="dataDir"/> and waits until /readyz answers.</summary>
    /// <param name="environment">Raw environment variables for the process (e.g. <c>DOTNET_GCHeapHardLimit</c>).</param>
    public static async Task<ServerProcess> StartAsync(string dataDir, IReadOnlyDictionary<string, string?>? settings = null, string role = "all", IReadOnlyDictionary<string, string>? environment = null)
    {
        var httpPort = TestPorts.Next();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "recogrid.dll"), "serve", "--urls", $"http://127.0.0.1:{httpPort}", "--data-dir", dataDir, "--role", role })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in settings ?? HostFixture.TestSettings())
        {
            start.Environment["RECOGRID__" + key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start recogrid");
        var server = new ServerProcess(process, httpPort);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await server.WaitUntilReadyAsync();
        if (File.Exists(Path.Combine(dataDir, "admin.key")))
        {
            TestClients.WithKey(server.Http, TestClients.AdminKey(dataDir));
        }

        return server;
    }

    /// <summary>Whether the process has ended.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The process's current working set (resident memory).</summary>
    public long WorkingSetBytes()
    {
        _process.Refresh();
        return _process.WorkingSet64;
    }

    /// <summary>Kills the process with SIGKILL: no shutdown code runs.</summary>
    public async Task KillHardAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            await KillHardAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }

    private async Task WaitUntilReadyAsync()
    {
        // Start-up takes seconds on a loaded machine; the bound is generous so only a real hang fails.
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"recogrid exited with code {_process.ExitCode.ToString(CultureInfo.InvariantCulture)}:\n{Output}");
            }

            try
            {
                using var response = await Http.GetAsync("/readyz");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await _process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromMilliseconds(200)).Token).ContinueWith(_ => { }, TaskScheduler.Default);
        }

        throw new TimeoutException($"recogrid did not become ready:\n{Output}");
    }
}
