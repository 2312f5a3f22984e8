using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace RecoGrid.LoadTest.Chaos;

/// <summary>What the chaos run starts: where recogrid.dll and Azurite are, and which membership the nodes use.</summary>
internal sealed record ClusterSettings(string RecogridDll, string AzuriteScript, string Membership, string WorkDir, TimeSpan? ProbeTimeout = null);

/// <summary>
/// A RecoGrid cluster on loopback: Azurite (every store), Redis or an Azure table (membership), and three nodes
/// (two <c>all</c>, one <c>scoring</c>), each a child process that can be killed with SIGKILL; Azurite can be stopped
/// and started again on the same ports and data.
/// </summary>
internal sealed class LocalCluster : IAsyncDisposable
{
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
    private readonly ClusterSettings _settings;
    private readonly int[] _azuritePorts = [FreePort(), FreePort(), FreePort()];
    private readonly string _clusterId = "chaos-" + Guid.NewGuid().ToString("N")[..8];
    private Process? _azurite;
    private Process? _redis;
    private int _redisPort;

    public LocalCluster(ClusterSettings settings) => _settings = settings;

    public List<Node> Nodes { get; } = [];

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{_azuritePorts[0]}/devstoreaccount1;QueueEndpoint=http://127.0.0.1:{_azuritePorts[1]}/devstoreaccount1;TableEndpoint=http://127.0.0.1:{_azuritePorts[2]}/devstoreaccount1;";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(_settings.WorkDir);
        await StartAzuriteAsync(cancellationToken);
        if (_settings.Membership == "redis")
        {
            _redisPort = FreePort();
            _redis = Spawn("redis-server", ["--port", Text(_redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], null, "redis");
            await WaitForPortAsync(_redisPort, cancellationToken);
        }

        foreach (var (name, role) in new[] { ("node1", "all"), ("node2", "all"), ("node3", "scoring") })
        {
            Nodes.Add(await StartNodeAsync(name, role, cancellationToken));
        }
    }

    /// <summary>Stops Azurite (SIGTERM, so it saves its data); requests to storage are refused until it starts again.</summary>
    public async Task StopAzuriteAsync()
    {
        if (_azurite is { HasExited: false } azurite)
        {
            Signal(azurite.Id, "TERM");
            if (!azurite.WaitForExit(15_000))
            {
                azurite.Kill(entireProcessTree: true);
            }

            await azurite.WaitForExitAsync();
        }
    }

    public Task StartAzuriteAsync(CancellationToken cancellationToken)
    {
        _azurite = Spawn("node", [_settings.AzuriteScript, "--silent", "--skipApiVersionCheck", "--loose", "--location", Path.Combine(_settings.WorkDir, "azurite"),
            "--blobHost", "127.0.0.1", "--blobPort", Text(_azuritePorts[0]), "--queueHost", "127.0.0.1", "--queuePort", Text(_azuritePorts[1]),
            "--tableHost", "127.0.0.1", "--tablePort", Text(_azuritePorts[2])], null, "azurite");
        return Task.WhenAll(_azuritePorts.Select(p => WaitForPortAsync(p, cancellationToken)));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            node.Kill();
        }

        _redis?.Kill(entireProcessTree: true);
        _azurite?.Kill(entireProcessTree: true);
        await Task.CompletedTask;
    }

    private async Task<Node> StartNodeAsync(string name, string role, CancellationToken cancellationToken)
    {
        var (http, silo, gateway) = (FreePort(), FreePort(), FreePort());
        var environment = new Dictionary<string, string>
        {
            ["RECOGRID__Storage__Provider"] = "azure",
            ["RECOGRID__Storage__ConnectionString"] = ConnectionString,
            ["RECOGRID__Cluster__Provider"] = _settings.Membership,
            ["RECOGRID__Orleans__ClusterId"] = _clusterId,
            ["RECOGRID__Orleans__AdvertisedAddress"] = "127.0.0.1",
            ["RECOGRID__Orleans__SiloPort"] = Text(silo),
            ["RECOGRID__Orleans__GatewayPort"] = Text(gateway),
            ["RECOGRID__Models__PollInterval"] = "00:00:01",
            ["RECOGRID__Logging__LogLevel__Default"] = "Warning",
            // The chaos run measures faults, not the per-key rate limit.
            ["RECOGRID__Limits__RequestsPerSecond"] = "0",
        };
        if (_settings.ProbeTimeout is { } probe)
        {
            environment["RECOGRID__Cluster__ProbeTimeout"] = probe.ToString("c", CultureInfo.InvariantCulture);
        }

        if (_settings.Membership == "redis")
        {
            environment["RECOGRID__Cluster__ConnectionString"] = $"127.0.0.1:{_redisPort}";
        }

        var process = Spawn("dotnet", [_settings.RecogridDll, "serve", "--role", role, "--urls", $"http://127.0.0.1:{http}", "--data-dir", Path.Combine(_settings.WorkDir, name)], environment, name);
        var node = new Node(name, role, new Uri($"http://127.0.0.1:{http}"), process);
        using var client = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromMinutes(3))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{name} exited with code {process.ExitCode}; see {LogPath(name)}");
            }

            try
            {
                using var ready = await client.GetAsync("/readyz", cancellationToken);
                if (ready.IsSuccessStatusCode)
                {
                    Console.WriteLine($"{name} ({role}) ready at {node.BaseAddress} after {clock.Elapsed.TotalSeconds:F1} s");
                    return node;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Slow to answer while starting.
            }

            await Task.Delay(250, cancellationToken);
        }

        throw new TimeoutException($"{name} did not become ready within 3 minutes; see {LogPath(name)}");
    }

    private Process Spawn(string file, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment, string logName)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var log = new StreamWriter(LogPath(logName), append: true) { AutoFlush = true };
        // Each line with the time it arrived, so what the nodes did can be lined up with the phases and with each other.
        void Write(string? line)
        {
            if (line is not null)
            {
                lock (log)
                {
                    log.WriteLine(DateTime.UtcNow.ToString("HH:mm:ss.fff ", CultureInfo.InvariantCulture) + line);
                }
            }
        }

        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private string LogPath(string name) => Path.Combine(_settings.WorkDir, name + ".log");

    private static void Signal(int pid, string signal) => Process.Start("kill", ["-" + signal, Text(pid)])?.WaitForExit();

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static async Task WaitForPortAsync(int port, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
                return;
            }
            catch (SocketException) when (clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(100, cancellationToken);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}

/// <summary>One node of the local cluster.</summary>
internal sealed class Node(string name, string role, Uri baseAddress, Process process)
{
    public string Name { get; } = name;

    public string Role { get; } = role;

    public Uri BaseAddress { get; } = baseAddress;

    public bool ServesApi => Role is "all" or "api";

    public bool Alive => !process.HasExited;

    /// <summary>SIGKILL: no shutdown code runs.</summary>
    public void Kill()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
    }
}
