using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace RecoGrid.Storage.Azure.Tests;

/// <summary>
/// Azurite, the Azure Storage emulator (blobs, queues, tables), started once per test run on free loopback ports with a
/// temporary <c>--location</c>, and stopped when the test process exits. Installed by <c>npm ci --prefix tests/tools</c>
/// (what <c>.ci/run</c> does); when it is missing the tests fail saying so.
/// </summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    /// <summary>Azurite's well-known development account (public, the same in every Azurite).</summary>
    public const string AccountName = "devstoreaccount1";

    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static readonly Lazy<Task<AzuriteServer>> Shared = new(() => StartAsync(), LazyThreadSafetyMode.ExecutionAndPublication);
    private readonly Process _process;

    private AzuriteServer(Process process, string location, int blobPort, int queuePort, int tablePort)
    {
        _process = process;
        Location = location;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
    }

    public string Location { get; }

    public int BlobPort { get; }

    public int QueuePort { get; }

    public int TablePort { get; }

    /// <summary>A connection string for the emulator's account, with its three endpoints.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{AccountName};QueueEndpoint=http://127.0.0.1:{QueuePort}/{AccountName};TableEndpoint=http://127.0.0.1:{TablePort}/{AccountName};";

    /// <summary>The emulator shared by every test in this process.</summary>
    public static Task<AzuriteServer> GetAsync() => Shared.Value;

    /// <summary>A container name no other test uses.</summary>
    public static string UniqueContainer(string prefix) => (prefix + "-" + Guid.NewGuid().ToString("N"))[..Math.Min(63, prefix.Length + 33)];

    /// <summary>Starts a private Azurite (tests that stop it use their own).</summary>
    public static async Task<AzuriteServer> StartAsync(string? location = null)
    {
        var script = FindAzurite();
        if (!(Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Any(dir => dir.Length > 0 && File.Exists(Path.Combine(dir, "node"))))
        {
            throw new InvalidOperationException(
                "The Azure Storage tests run Azurite, which needs Node.js (20 or newer) on PATH: install it (Debian: `apt-get install nodejs npm`), then `npm ci --prefix tests/tools`.");
        }

        location ??= Path.Combine(Path.GetTempPath(), "recogrid-azurite-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(location);
        var (blob, queue, table) = (FreePort(), FreePort(), FreePort());
        // Through a small shell watchdog: the test host is sometimes ended without running exit handlers, and Azurite
        // must not outlive it, so the watchdog stops it once this process is gone.
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("node \"$@\" & child=$!; trap 'kill $child 2>/dev/null' EXIT; while kill -0 " + Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + " 2>/dev/null && kill -0 $child 2>/dev/null; do sleep 1; done");
        start.ArgumentList.Add("azurite");
        foreach (var arg in new[]
        {
            script, "--silent", "--skipApiVersionCheck", "--loose", "--location", location,
            "--blobHost", "127.0.0.1", "--blobPort", blob.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--queueHost", "127.0.0.1", "--queuePort", queue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tableHost", "127.0.0.1", "--tablePort", table.ToString(System.Globalization.CultureInfo.InvariantCulture),
        })
        {
            start.ArgumentList.Add(arg);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("bash did not start.");
        }
        catch (System.ComponentModel.Win32Exception error)
        {
            throw new InvalidOperationException(
                "The Azure Storage tests start Azurite through bash, which was not found on PATH.", error);
        }

        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.ErrorDataReceived += (_, e) => { lock (output) { output.AppendLine(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new AzuriteServer(process, location, blob, queue, table);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Kill();

        var deadline = Stopwatch.StartNew();
        while (!(await IsListeningAsync(blob) && await IsListeningAsync(queue) && await IsListeningAsync(table)))
        {
            if (process.HasExited || deadline.Elapsed > TimeSpan.FromSeconds(60))
            {
                server.Kill();
                string text;
                lock (output)
                {
                    text = output.ToString();
                }

                throw new InvalidOperationException($"Azurite ({script}) did not start listening on ports {blob}, {queue}, {table} within 60 s: {text}");
            }

            await Task.Delay(100);
        }

        return server;
    }

    /// <summary>Stops the emulator abruptly (its data stays in <see cref="Location"/>).</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(10_000);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        try
        {
            Directory.Delete(Location, recursive: true);
        }
        catch (IOException)
        {
            // A temporary folder; leaving it is harmless.
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The Azurite script installed under tests/tools (or named by RECOGRID_AZURITE).</summary>
    public static string FindAzurite()
    {
        if (Environment.GetEnvironmentVariable("RECOGRID_AZURITE") is { Length: > 0 } configured)
        {
            return File.Exists(configured) ? configured : throw new InvalidOperationException($"RECOGRID_AZURITE names '{configured}', which does not exist.");
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RecoGrid.sln")))
            {
                var script = Path.Combine(dir.FullName, "tests", "tools", "node_modules", "azurite", "dist", "src", "azurite.js");
                return File.Exists(script)
                    ? script
                    : throw new InvalidOperationException(
                        $"Azurite is not installed (no '{script}'). The Azure Storage tests need it: run `npm ci --prefix tests/tools` from the repository root (Node.js 20+ and npm; Debian: `apt-get install nodejs npm`). `.ci/run` does this.");
            }
        }

        throw new InvalidOperationException("The repository root (RecoGrid.sln) was not found above the test folder, so tests/tools/node_modules/azurite cannot be found; set RECOGRID_AZURITE to azurite.js.");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> IsListeningAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
