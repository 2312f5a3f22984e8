using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace RecoGrid.LoadTest;

/// <summary>
/// `RecoGrid.LoadTest durability`: proves that 202 means durable. Parallel clients send events with unique ids while the
/// node is killed with SIGKILL at a random moment (or its disk fills up), then every acknowledged event is looked for in
/// its user's state after the restart (or the recovery). Prints one JSON line per round and a summary.
/// </summary>
internal static class DurabilityCommand
{
    public static Command Create()
    {
        var server = new Option<string>("--start-server") { Description = "Path to recogrid.dll: the node to start, kill and restart.", Required = true };
        var dataDir = new Option<string?>("--data-dir") { Description = "Data folder of the node (e.g. on a small tmpfs for --disk-full); a temporary one by default." };
        var rounds = new Option<int>("--rounds") { Description = "Kill-and-restart rounds.", DefaultValueFactory = _ => 5 };
        var clients = new Option<int>("--clients") { Description = "Parallel clients sending events.", DefaultValueFactory = _ => 8 };
        var users = new Option<int>("--users") { Description = "Users the events are spread over.", DefaultValueFactory = _ => 5000 };
        var batch = new Option<int>("--batch") { Description = "Events per request.", DefaultValueFactory = _ => 20 };
        var seed = new Option<int>("--seed") { Description = "Random seed (kill moments, users, items).", DefaultValueFactory = _ => 7 };
        var diskFull = new Option<bool>("--disk-full")
        {
            Description = "Instead of killing: fill the data folder's file system while clients send (expect 503 with Retry-After), free it again (ingestion must resume without a restart), then check.",
        };
        var recovery = new Option<long>("--recovery-events")
        {
            Description = "Instead of rounds: log this many events as fast as the node takes them, kill it, and time the restart to /readyz and to the first answered read.",
        };
        var command = new Command("durability", "Kill -9 and disk-full checks: every acknowledged event must be in the log and in its user's state afterwards.")
        {
            server, dataDir, rounds, clients, users, batch, seed, diskFull, recovery,
        };
        command.SetAction(async (parse, ct) =>
        {
            var settings = new Settings(parse.GetValue(server)!, parse.GetValue(clients), parse.GetValue(users), parse.GetValue(batch), new Random(parse.GetValue(seed)));
            var folder = parse.GetValue(dataDir) ?? Path.Combine(Path.GetTempPath(), "recogrid-durability-" + Guid.NewGuid().ToString("N"));
            if (parse.GetValue(recovery) is > 0 and var events)
            {
                return await RecoveryAsync(settings, folder, events, ct);
            }

            return parse.GetValue(diskFull)
                ? await DiskFullAsync(settings, folder, ct)
                : await KillRoundsAsync(settings, folder, parse.GetValue(rounds), ct);
        });
        return command;
    }

    private static async Task<int> KillRoundsAsync(Settings settings, string folder, int rounds, CancellationToken ct)
    {
        var ledger = new Ledger();
        var lostTotal = 0L;
        for (var round = 1; round <= rounds; round++)
        {
            var node = await SpawnedServer.StartAsync(settings.Dll, folder, ct);
            using var stop = new CancellationTokenSource();
            var load = Load(node, settings, ledger, round, stop.Token);
            await Task.Delay(TimeSpan.FromMilliseconds(1500 + settings.Random.Next(3000)), ct);
            await node.KillAsync();
            await stop.CancelAsync();
            var sent = await load;

            var restarted = await SpawnedServer.StartAsync(settings.Dll, folder, ct);
            var (found, lost) = await VerifyAsync(restarted, ledger, ct);
            lostTotal += lost;
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                round, sent, acknowledged = ledger.Acknowledged, unanswered = ledger.Unanswered, found, lost, restart_seconds = restarted.StartupSeconds,
            }));
            await restarted.KillAsync();
        }

        Console.WriteLine($"{rounds} rounds: {ledger.Acknowledged:N0} events acknowledged, {lostTotal:N0} of them lost.");
        return lostTotal == 0 ? 0 : 1;
    }

    private static async Task<int> DiskFullAsync(Settings settings, string folder, CancellationToken ct)
    {
        var ledger = new Ledger();
        await using var node = await SpawnedServer.StartAsync(settings.Dll, folder, ct);
        using var stop = new CancellationTokenSource();
        var load = Load(node, settings, ledger, 1, stop.Token);
        await Task.Delay(TimeSpan.FromSeconds(2), ct);

        // Fill the file system, leaving nothing for the log's next appends.
        var filler = Path.Combine(folder, "filler.bin");
        var before = ledger.Snapshot();
        await FillAsync(filler, ct);
        await Task.Delay(TimeSpan.FromSeconds(4), ct);
        var whileFull = ledger.Snapshot() - before;

        File.Delete(filler);
        var freed = ledger.Snapshot();
        await Task.Delay(TimeSpan.FromSeconds(4), ct);
        var afterFree = ledger.Snapshot() - freed;
        await stop.CancelAsync();
        await load;

        var (found, lost) = await VerifyAsync(node, ledger, ct);
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            acknowledged = ledger.Acknowledged,
            while_full = new { accepted = whileFull.Accepted, refused_503 = whileFull.Refused, refused_without_retry_after = whileFull.RefusedWithoutRetryAfter, other = whileFull.Other },
            after_freeing = new { accepted = afterFree.Accepted, refused_503 = afterFree.Refused, other = afterFree.Other },
            found,
            lost,
        }));
        var ok = lost == 0 && whileFull.Refused > 0 && whileFull.RefusedWithoutRetryAfter == 0 && whileFull.Other == 0 && afterFree.Accepted > 0;
        Console.WriteLine(ok ? "Disk full: 503 with Retry-After while full, nothing acknowledged lost, ingestion resumed without a restart." : "Disk full check FAILED.");
        return ok ? 0 : 1;
    }

    private static async Task<int> RecoveryAsync(Settings settings, string folder, long events, CancellationToken ct)
    {
        var ledger = new Ledger();
        var node = await SpawnedServer.StartAsync(settings.Dll, folder, ct);
        using var stop = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        var load = Load(node, settings, ledger, 1, stop.Token);
        while (ledger.Acknowledged < events)
        {
            await Task.Delay(500, ct);
            Console.Error.Write($"\r{ledger.Acknowledged:N0} / {events:N0} events acknowledged ({ledger.Acknowledged / clock.Elapsed.TotalSeconds:N0}/s)   ");
        }

        await node.KillAsync();
        await stop.CancelAsync();
        await load;
        Console.Error.WriteLine();
        var restart = Stopwatch.StartNew();
        await using var restarted = await SpawnedServer.StartAsync(settings.Dll, folder, ct);
        var ready = restart.Elapsed.TotalSeconds;
        using var http = Client(restarted);
        using (var first = await http.GetAsync($"/v1/users/{ledger.AnyUser()}", ct))
        {
            first.EnsureSuccessStatusCode();
        }

        var firstRead = restart.Elapsed.TotalSeconds;
        var (found, lost) = await VerifyAsync(restarted, ledger, ct);
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            logged_events = ledger.Acknowledged, ingest_seconds = clock.Elapsed.TotalSeconds, restart_to_ready_seconds = ready, restart_to_first_read_seconds = firstRead, found, lost,
        }));
        return lost == 0 ? 0 : 1;
    }

    /// <summary>Clients send until stopped (or until the node dies); each acknowledged event is written in the ledger.</summary>
    private static async Task<long> Load(SpawnedServer node, Settings settings, Ledger ledger, int round, CancellationToken stop)
    {
        long sent = 0;
        var seeds = Enumerable.Range(0, settings.Clients).Select(_ => settings.Random.Next()).ToArray();
        await Task.WhenAll(seeds.Select((seed, client) => Task.Run(async () =>
        {
            var random = new Random(seed);
            using var http = Client(node);
            for (var request = 0; !stop.IsCancellationRequested; request++)
            {
                var events = Enumerable.Range(0, settings.Batch).Select(i => new
                {
                    userId = $"durable-{random.Next(settings.Users)}",
                    itemId = $"item-{random.Next(500)}",
                    type = "view",
                    eventId = $"r{round}-c{client}-q{request}-e{i}",
                }).ToArray();
                Interlocked.Add(ref sent, events.Length);
                try
                {
                    using var response = await http.PostAsJsonAsync("/v1/events", new { events }, CancellationToken.None);
                    ledger.Record(response, events.Select(e => e.userId));
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    ledger.Unanswer(events.Length);
                    if (stop.IsCancellationRequested)
                    {
                        return;
                    }

                    await Task.Delay(50, CancellationToken.None);
                }
            }
        }, CancellationToken.None)));
        return sent;
    }

    /// <summary>Every user's acknowledged count must be in its state; returns events found and acknowledged events missing.</summary>
    private static async Task<(long Found, long Lost)> VerifyAsync(SpawnedServer node, Ledger ledger, CancellationToken ct)
    {
        using var http = Client(node);
        long found = 0, lost = 0;
        foreach (var (user, acknowledged) in ledger.PerUser())
        {
            JsonElement summary;
            for (var attempt = 0; ; attempt++)
            {
                using var response = await http.GetAsync($"/v1/users/{user}", ct);
                if (response.StatusCode == HttpStatusCode.OK || attempt == 20)
                {
                    response.EnsureSuccessStatusCode();
                    summary = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
                    break;
                }

                await Task.Delay(250, ct);
            }

            var total = summary.GetProperty("totalEvents").GetInt64();
            found += total;
            if (total < acknowledged)
            {
                lost += acknowledged - total;
                Console.Error.WriteLine($"lost: {user} acknowledged {acknowledged}, found {total}");
            }
        }

        return (found, lost);
    }

    private static HttpClient Client(SpawnedServer node)
    {
        var http = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
        if (node.ApiKey is { } key)
        {
            http.DefaultRequestHeaders.Add("X-Api-Key", key);
        }

        return http;
    }

    private static async Task FillAsync(string path, CancellationToken ct)
    {
        var chunk = new byte[1 << 20];
        await using var stream = new FileStream(path, FileMode.Create, FileAccess.Write);
        try
        {
            while (true)
            {
                await stream.WriteAsync(chunk, ct);
            }
        }
        catch (IOException)
        {
            // The file system is full.
        }
    }

    private sealed record Settings(string Dll, int Clients, int Users, int Batch, Random Random);

    private readonly record struct Counts(long Accepted, long Refused, long RefusedWithoutRetryAfter, long Other)
    {
        public static Counts operator -(Counts a, Counts b) =>
            new(a.Accepted - b.Accepted, a.Refused - b.Refused, a.RefusedWithoutRetryAfter - b.RefusedWithoutRetryAfter, a.Other - b.Other);
    }

    /// <summary>What the clients were told: acknowledged events per user, refusals and unanswered requests.</summary>
    private sealed class Ledger
    {
        private readonly ConcurrentDictionary<string, long> _perUser = new(StringComparer.Ordinal);
        private long _accepted;
        private long _refused;
        private long _refusedWithoutRetryAfter;
        private long _other;
        private long _unanswered;

        public long Acknowledged => Interlocked.Read(ref _accepted);

        public long Unanswered => Interlocked.Read(ref _unanswered);

        public void Record(HttpResponseMessage response, IEnumerable<string> users)
        {
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                foreach (var user in users)
                {
                    _perUser.AddOrUpdate(user, 1, (_, n) => n + 1);
                    Interlocked.Increment(ref _accepted);
                }
            }
            else if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
            {
                Interlocked.Increment(ref _refused);
                if (response.Headers.RetryAfter is null)
                {
                    Interlocked.Increment(ref _refusedWithoutRetryAfter);
                }
            }
            else
            {
                Interlocked.Increment(ref _other);
            }
        }

        public void Unanswer(int events) => Interlocked.Add(ref _unanswered, events);

        public Counts Snapshot() => new(Acknowledged, Interlocked.Read(ref _refused), Interlocked.Read(ref _refusedWithoutRetryAfter), Interlocked.Read(ref _other));

        public IEnumerable<KeyValuePair<string, long>> PerUser() => _perUser.ToArray();

        public string AnyUser() => _perUser.Keys.First();
    }
}
