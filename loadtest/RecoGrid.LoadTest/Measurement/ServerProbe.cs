using System.Globalization;

namespace RecoGrid.LoadTest.Measurement;

/// <summary>What the node said about its memory and activations at one second of the run (from its /metrics).</summary>
/// <param name="WorkingSetBytes">The node process's resident memory.</param>
/// <param name="ManagedHeapBytes">The managed heap after the last garbage collection, all generations.</param>
/// <param name="UserActivations">User grains active in the silo.</param>
/// <param name="Activations">All grain activations in the silo.</param>
/// <param name="UsersActivated">User grain activations created since the node started (a user deactivated and back counts twice).</param>
internal sealed record ServerSample(long? WorkingSetBytes, long? ManagedHeapBytes, long? UserActivations, long? Activations, long? UsersActivated);

/// <summary>
/// Reads the node's Prometheus endpoint once a second: process working set, managed heap, grain activations. Works
/// against any deployment whose /metrics the key can read (Telemetry:Enabled=true, the default); when it cannot, the
/// run goes on and the report says memory was not observed.
/// </summary>
internal sealed class ServerProbe : IDisposable
{
    private readonly HttpClient _http;
    private bool _failed;

    public ServerProbe(Uri baseAddress, string? apiKey)
    {
        _http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(2) };
        if (!string.IsNullOrEmpty(apiKey))
        {
            _http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        }
    }

    /// <summary>Why no sample could be read (the first failure), or null.</summary>
    public string? Problem { get; private set; }

    public async Task<ServerSample?> SampleAsync(CancellationToken cancellationToken)
    {
        if (_failed)
        {
            return null;
        }

        try
        {
            using var response = await _http.GetAsync("/metrics", cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                _failed = true;
                Problem = $"/metrics answered {(int)response.StatusCode} (needs Telemetry:Enabled=true and a key that may read it)";
                return null;
            }

            return Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // A busy node may miss one scrape; the next second tries again.
            return null;
        }
    }

    /// <summary>Picks the figures out of Prometheus text exposition format.</summary>
    public static ServerSample Parse(string text)
    {
        long? workingSet = null, heap = null, users = null, all = null, created = null;
        foreach (var raw in text.AsSpan().EnumerateLines())
        {
            var line = raw.Trim();
            if (line.IsEmpty || line[0] == '#')
            {
                continue;
            }

            var space = line.LastIndexOf(' ');
            if (space < 0 || !double.TryParse(line[(space + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                continue;
            }

            var brace = line.IndexOf('{');
            var name = brace >= 0 ? line[..brace] : line[..space];
            var labels = brace >= 0 ? line[brace..space] : [];
            var isUser = labels.IndexOf("grain_type=\"user\"", StringComparison.Ordinal) >= 0;
            switch (name)
            {
                case "dotnet_process_memory_working_set_bytes":
                    workingSet = (long)value;
                    break;
                case "dotnet_gc_last_collection_heap_size_bytes":
                    heap = (heap ?? 0) + (long)value;
                    break;
                case "orleans_catalog_activations":
                    all = (all ?? 0) + (long)value;
                    if (isUser)
                    {
                        users = (long)value;
                    }

                    break;
                case "orleans_catalog_activation_created_total" when isUser:
                    created = (long)value;
                    break;
            }
        }

        return new ServerSample(workingSet, heap, users ?? (all is null ? null : 0), all, created);
    }

    public void Dispose() => _http.Dispose();
}
