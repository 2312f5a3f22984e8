using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using RecoGrid.Cli.Hosting;
using Xunit.Abstractions;

namespace RecoGrid.Cli.Tests;

/// <summary>
/// More than 10,000 seeded random and malformed requests against every endpoint of the real host on loopback: every
/// answer is 4xx (or 2xx where the request is valid), never 5xx, and invalid requests leave the data folder's files
/// exactly as they were.
/// </summary>
public sealed class FuzzTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Seed = 20_240_612;
    private const int InvalidRequests = 6_000;
    private const int MixedRequests = 4_500;
    private const int Workers = 12;

    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "recogrid-fuzz-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, string> _keys = [];
    private WebApplication? _app;
    private int _port;
    private HttpClient _http = null!;

    public async Task InitializeAsync()
    {
        _port = TestPorts.Next();
        var settings = HostFixture.TestSettings();
        settings["Limits:BodyGracePeriod"] = "00:00:01.100";
        settings["Storage:FlushToDisk"] = "false";
        _app = ServeHost.Build(new ServeSettings { Urls = $"http://127.0.0.1:{_port}", DataDir = _dataDir, Overrides = settings });
        await _app.StartAsync();
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = new Uri($"http://127.0.0.1:{_port}"), Timeout = TimeSpan.FromSeconds(30) };
        _keys["admin"] = TestClients.AdminKey(_dataDir);
        foreach (var scope in new[] { "events:write", "recommendations:read", "catalog:write" })
        {
            _keys[scope] = await CreateKeyAsync(scope);
        }

        _keys["revoked"] = await CreateKeyAsync("admin");
        using var revoke = new HttpRequestMessage(HttpMethod.Delete, $"/v1/admin/keys/{_keys["revoked"].Substring(4, 16)}");
        revoke.Headers.Add("X-Api-Key", _keys["admin"]);
        (await _http.SendAsync(revoke)).EnsureSuccessStatusCode();

        // The registry's lock file and folder exist from here on, so refused promotions leave the folder as it is.
        using var warm = new HttpRequestMessage(HttpMethod.Post, "/v1/admin/models:rollback") { Content = TestClients.EmptyJson() };
        warm.Headers.Add("X-Api-Key", _keys["admin"]);
        (await _http.SendAsync(warm)).Dispose();
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        Directory.Delete(_dataDir, recursive: true);
    }

    private async Task<string> CreateKeyAsync(string scope)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/admin/keys") { Content = JsonContent.Create(new { client = "fuzz", scopes = new[] { scope } }) };
        request.Headers.Add("X-Api-Key", _keys.GetValueOrDefault("admin") ?? TestClients.AdminKey(_dataDir));
        using var response = await _http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("key").GetString()!;
    }

    [Fact]
    public async Task TenThousandRandomAndMalformedRequestsAreAllAnswered4xxOr2xxAndInvalidOnesWriteNothing()
    {
        var clock = Stopwatch.StartNew();
        var before = HashDataFolder();
        var invalid = await RunAsync(InvalidRequests, validShare: 0, Seed);
        await Task.Delay(TimeSpan.FromMilliseconds(200));
        var after = HashDataFolder();
        var mixed = await RunAsync(MixedRequests, validShare: 0.4, Seed + 1);

        output.WriteLine($"fuzz seed {Seed}: {invalid.Total + mixed.Total} requests in {clock.Elapsed.TotalSeconds:F1} s");
        output.WriteLine($"invalid only ({invalid.Total}): {invalid.Describe()}");
        output.WriteLine($"mixed ({mixed.Total}): {mixed.Describe()}");
        Assert.True(invalid.Total + mixed.Total >= 10_000);
        Assert.Empty(invalid.Failures);
        Assert.Empty(mixed.Failures);
        Assert.True(invalid.Counts.Keys.All(s => s is 0 or >= 400 and < 500), invalid.Describe());
        Assert.True(mixed.Counts.Keys.All(s => s is 0 or >= 200 and < 300 or >= 400 and < 500), mixed.Describe());
        Assert.True(mixed.Counts.Keys.Any(s => s is >= 200 and < 300), "the mixed run had no valid request");
        var changed = before.Where(pair => after.GetValueOrDefault(pair.Key) != pair.Value).Select(pair => pair.Key)
            .Concat(after.Keys.Except(before.Keys)).ToList();
        Assert.True(changed.Count == 0, "invalid requests changed: " + string.Join(", ", changed));
    }

    private Dictionary<string, string> HashDataFolder() =>
        Directory.EnumerateFiles(_dataDir, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(_dataDir, f), Hash, StringComparer.Ordinal);

    // Lock files are held open exclusively by their owner; their length stands in for their (empty) content.
    private static string Hash(string file)
    {
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return Convert.ToHexString(SHA256.HashData(stream));
        }
        catch (IOException)
        {
            return "locked, " + new FileInfo(file).Length.ToString(CultureInfo.InvariantCulture) + " bytes";
        }
    }

    private async Task<Tally> RunAsync(int count, double validShare, int seed)
    {
        var tally = new Tally();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Workers).Select(worker => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var random = new Random(HashCode.Combine(seed, i));
                var fuzz = new Fuzz(random, _keys, validShare);
                var request = fuzz.Next();
                var status = 0;
                var kind = request.Kind;
                for (var attempt = 0; attempt < 2 && status == 0; attempt++)
                {
                    try
                    {
                        status = request.Raw is { } raw
                            ? await RawHttp.SendAsync(_port, raw.Head, raw.Parts, raw.Pause, raw.HalfClose)
                            : await SendAsync(request);
                    }
                    catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException)
                    {
                        // A server may answer early and close while a client still sends (413, 400); try once more.
                        kind = $"{request.Kind} ({exception.GetType().Name}: {exception.InnerException?.Message ?? exception.Message})";
                    }

                    if (request.Raw?.HalfClose == true)
                    {
                        break;
                    }
                }

                tally.Add(status, kind, request.Valid, request.Raw?.HalfClose == true);
            }
        })));
        return tally;
    }

    private async Task<int> SendAsync(FuzzRequest request)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), new Uri(request.Path, UriKind.Relative));
        if (request.Key is not null)
        {
            message.Headers.TryAddWithoutValidation("X-Api-Key", request.Key);
        }

        if (request.Body is not null)
        {
            message.Content = new ByteArrayContent(request.Body);
            message.Content.Headers.TryAddWithoutValidation("Content-Type", request.ContentType ?? "application/json");
        }

        using var response = await _http.SendAsync(message);
        return (int)response.StatusCode;
    }

    private sealed class Tally
    {
        private readonly ConcurrentDictionary<int, int> _counts = new();
        private readonly ConcurrentQueue<string> _failures = new();

        public IReadOnlyDictionary<int, int> Counts => _counts;

        public IReadOnlyCollection<string> Failures => _failures;

        public int Total => _counts.Values.Sum();

        // Kestrel treats a client's FIN as the client going away, so a half-closed request gets no answer (0); the
        // node still classifies it as a client fault (one warning line, no 5xx).
        public void Add(int status, string kind, bool valid, bool halfClosed)
        {
            _counts.AddOrUpdate(status, 1, (_, n) => n + 1);
            var ok = status is >= 400 and < 500 || (valid && status is >= 200 and < 300) || (halfClosed && status == 0);
            if (!ok && _failures.Count < 50)
            {
                _failures.Enqueue($"{status} for {kind}");
            }
        }

        public string Describe() =>
            string.Join(", ", _counts.OrderBy(p => p.Key).Select(p => $"{p.Key.ToString(CultureInfo.InvariantCulture)}×{p.Value.ToString(CultureInfo.InvariantCulture)}")) +
            (_failures.IsEmpty ? "" : "; unexpected: " + string.Join(" | ", _failures.Take(20)));
    }
}

/// <summary>One fuzzed request: through HttpClient, or as raw bytes on a socket.</summary>
internal sealed record FuzzRequest(string Kind, string Method, string Path, string? Key, byte[]? Body, string? ContentType, bool Valid, RawRequest? Raw = null);

/// <summary>A request written on a raw socket.</summary>
internal sealed record RawRequest(string Head, IReadOnlyList<byte[]> Parts, TimeSpan Pause, bool HalfClose);
