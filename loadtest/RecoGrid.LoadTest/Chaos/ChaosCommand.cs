using System.CommandLine;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;

namespace RecoGrid.LoadTest.Chaos;

/// <summary>
/// `RecoGrid.LoadTest chaos`: a three-node loopback cluster (two all, one scoring; Azure storage on Azurite, Redis or
/// Azure Table membership) under load, then: kill -9 an all node; kill -9 the scoring node; stop Azurite for a while
/// during ingestion. Prints what each fault did to requests and checks that no acknowledged event was lost.
/// </summary>
internal static class ChaosCommand
{
    public static Command Create()
    {
        var recogrid = new Option<string>("--recogrid") { Description = "Path to recogrid.dll (build it first: dotnet build src/RecoGrid.Cli -c Release).", DefaultValueFactory = _ => "src/RecoGrid.Cli/bin/Release/net10.0/recogrid.dll" };
        var azurite = new Option<string>("--azurite") { Description = "Azurite's azurite.js (npm ci --prefix tests/tools installs it).", DefaultValueFactory = _ => "tests/tools/node_modules/azurite/dist/src/azurite.js" };
        var membership = new Option<string>("--membership") { Description = "Cluster membership: redis (needs redis-server) or azure (a table on Azurite).", DefaultValueFactory = _ => "redis" };
        membership.AcceptOnlyFromAmong("redis", "azure");
        var users = new Option<int>("--users") { Description = "Simulated users (the ids of the generated training data, so they have trained vectors).", DefaultValueFactory = _ => 2000 };
        var concurrency = new Option<int>("--concurrency") { Description = "Concurrent callers.", DefaultValueFactory = _ => 16 };
        var phase = new Option<double>("--phase-seconds") { Description = "Seconds of load in each fault phase (the fault happens a third of the way in; the baseline lasts a third of it).", DefaultValueFactory = _ => 20 };
        var outage = new Option<double>("--outage-seconds") { Description = "How long Azurite is stopped.", DefaultValueFactory = _ => 10 };
        var settle = new Option<double>("--settle-seconds") { Description = "Most seconds to wait after a fault for 5 s without a failed request before the next fault.", DefaultValueFactory = _ => 30 };
        var verify = new Option<double>("--verify-seconds") { Description = "Most seconds each phase's check of acknowledged events may take, twice that for the final check of every user (users it could not read are reported as unverified).", DefaultValueFactory = _ => 15 };
        var requestTimeout = new Option<double>("--request-timeout-seconds") { Description = "Client timeout of each request of the load (a request that takes longer counts as a timeout).", DefaultValueFactory = _ => 15 };
        var probe = new Option<double?>("--probe-timeout-seconds") { Description = "Cluster:ProbeTimeout of every node (Orleans' 5 s when not given): how fast a killed node is declared dead." };
        var json = new Option<string?>("--json") { Description = "Write the figures as JSON to this file." };
        var work = new Option<string?>("--work-dir") { Description = "Folder for the nodes' data, Azurite's data and every process's log (a temporary one by default)." };

        var command = new Command("chaos", "Kill nodes and stop storage under load on a loopback cluster; prints what each fault did and whether any acknowledged event was lost.")
        {
            recogrid, azurite, membership, users, concurrency, phase, outage, settle, verify, requestTimeout, probe, json, work,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new ClusterSettings(
                Path.GetFullPath(parse.GetValue(recogrid)!), Path.GetFullPath(parse.GetValue(azurite)!), parse.GetValue(membership)!,
                parse.GetValue(work) ?? Path.Combine(Path.GetTempPath(), "recogrid-chaos-" + Guid.NewGuid().ToString("N")),
                parse.GetValue(probe) is { } probeSeconds ? TimeSpan.FromSeconds(probeSeconds) : null);
            foreach (var file in new[] { settings.RecogridDll, settings.AzuriteScript })
            {
                if (!File.Exists(file))
                {
                    await Console.Error.WriteLineAsync($"'{file}' does not exist; see --help for how to build or install it.");
                    return 2;
                }
            }

            Console.WriteLine($"work folder (logs, data): {settings.WorkDir}");
            var total = Stopwatch.StartNew();
            await using var cluster = new LocalCluster(settings);
            await cluster.StartAsync(cancellationToken);
            await PromoteModelAsync(settings, cluster.Nodes[0], parse.GetValue(users), cancellationToken);

            var load = new ChaosLoad(
                [.. cluster.Nodes.Where(n => n.ServesApi)], parse.GetValue(users), parse.GetValue(concurrency), seed: 11, AdminKey(settings, cluster.Nodes[0]),
                TimeSpan.FromSeconds(parse.GetValue(requestTimeout)));
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var running = load.RunAsync(stop.Token);
            var seconds = TimeSpan.FromSeconds(parse.GetValue(phase));
            var settleLimit = TimeSpan.FromSeconds(parse.GetValue(settle));
            var verifyLimit = TimeSpan.FromSeconds(parse.GetValue(verify));
            var reports = new List<PhaseReport>();
            Console.WriteLine($"cluster up and model promoted after {total.Elapsed.TotalSeconds:F0} s");

            // Each phase's acknowledged events are checked against the users' state (read through node1, which lives).
            async Task<PhaseReport> Verified(PhaseCounters counters, double? faultAt)
            {
                load.StartPhase("verify"); // the load goes on, counted apart
                var (lost, unverified, _) = await load.VerifyAsync(cluster.Nodes[0].BaseAddress, verifyLimit, everyone: false, cancellationToken);
                return Print(counters.Report(faultAt, lost, unverified));
            }

            var baseline = load.StartPhase("baseline");
            await Task.Delay(seconds / 3, cancellationToken);
            baseline.End();
            reports.Add(await Verified(baseline, null));

            var (killAll, killAllAt) = await FaultAsync(load, "kill-all-node", seconds, () => { cluster.Nodes[1].Kill(); return Task.CompletedTask; }, cancellationToken);
            await SettleAsync(load, settleLimit, cancellationToken);
            reports.Add(await Verified(killAll, killAllAt));
            var (killScoring, killScoringAt) = await FaultAsync(load, "kill-scoring", seconds, () => { cluster.Nodes[2].Kill(); return Task.CompletedTask; }, cancellationToken);
            await SettleAsync(load, settleLimit, cancellationToken);
            reports.Add(await Verified(killScoring, killScoringAt));
            var (outagePhase, outageAt) = await FaultAsync(load, "storage-outage", seconds, async () =>
            {
                await cluster.StopAzuriteAsync();
                await Task.Delay(TimeSpan.FromSeconds(parse.GetValue(outage)), cancellationToken);
                await cluster.StartAzuriteAsync(cancellationToken);
                load.Phase.WatchForRecovery();
            }, cancellationToken);

            await stop.CancelAsync();
            await running;
            reports.Add(await Verified(outagePhase, outageAt));

            // Verification: every acknowledged event of the run, every user, with the load stopped.
            var final = await load.VerifyAsync(cluster.Nodes[0].BaseAddress, verifyLimit * 2, everyone: true, cancellationToken);
            var (acknowledged, missing, lostUsers) = load.Totals();
            Console.WriteLine($"verification: {final.Checked} users, acknowledged events {acknowledged}, lost {missing} (users affected: {lostUsers}), unverified users {final.Unverified}");
            Console.WriteLine($"total {total.Elapsed.TotalSeconds:F0} s");
            if (parse.GetValue(json) is { } path)
            {
                var report = new
                {
                    At = DateTimeOffset.UtcNow, Environment.ProcessorCount, settings.Membership, ProbeTimeoutSeconds = settings.ProbeTimeout?.TotalSeconds, PhaseSeconds = seconds.TotalSeconds, TotalSeconds = total.Elapsed.TotalSeconds,
                    Phases = reports, Acknowledged = acknowledged, Missing = missing, UsersWithMissingEvents = lostUsers, UnverifiedUsers = final.Unverified,
                };
                await File.WriteAllTextAsync(path, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
            }

            return missing == 0 && final.Unverified == 0 && reports.All(r => r.Status5xxOther == 0) ? 0 : 1;
        });
        return command;
    }

    // The next fault starts from a cluster that has re-balanced: 5 s without a failed request (at most the limit).
    private static async Task SettleAsync(ChaosLoad load, TimeSpan limit, CancellationToken cancellationToken)
    {
        var took = await load.SettleAsync(TimeSpan.FromSeconds(5), limit, cancellationToken);
        Console.WriteLine($"settled after {took.TotalSeconds:F0} s" + (took >= limit ? " (limit reached: the next fault starts anyway)" : ""));
    }

    private static PhaseReport Print(PhaseReport report)
    {
        Console.WriteLine(report.Describe());
        return report;
    }

    // A phase: load for a third of the time, the fault, then load until the phase ends. Reported after the settling
    // that follows (requests of the phase still in flight are counted in it when they end).
    private static async Task<(PhaseCounters Phase, double FaultAt)> FaultAsync(ChaosLoad load, string name, TimeSpan length, Func<Task> fault, CancellationToken cancellationToken)
    {
        var phase = load.StartPhase(name);
        await Task.Delay(length / 3, cancellationToken);
        var faultAt = phase.Clock.Elapsed.TotalSeconds;
        Console.WriteLine($"{name}: fault at {faultAt:F1} s ({DateTime.UtcNow:HH:mm:ss.fff} UTC)");
        await fault();
        var remaining = length - phase.Clock.Elapsed;
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining, cancellationToken);
        }

        phase.End();
        return (phase, faultAt);
    }

    // The first node creates the cluster's admin key in its data folder (the key store is shared by every node).
    private static string AdminKey(ClusterSettings settings, Node node) =>
        File.ReadAllText(Path.Combine(settings.WorkDir, node.Name, "admin.key")).Trim();

    // A small model trained by the CLI, registered through a node (into the cluster's blob registry) and promoted.
    private static async Task PromoteModelAsync(ClusterSettings settings, Node node, int users, CancellationToken cancellationToken)
    {
        var data = Path.Combine(settings.WorkDir, "interactions.csv");
        await RunCliAsync(settings, cancellationToken, "generate", "--users", users.ToString(System.Globalization.CultureInfo.InvariantCulture), "--items", "500", "--interactions", (users * 20).ToString(System.Globalization.CultureInfo.InvariantCulture), "--out", data);
        // Admin registration reads artifacts only from the node's import folder, named relative to it.
        var imported = Path.Combine(settings.WorkDir, node.Name, "import", "chaos-model");
        await RunCliAsync(settings, cancellationToken, "train", "--input", data, "--out", imported, "--factors", "16", "--iterations", "4");
        using var http = new HttpClient { BaseAddress = node.BaseAddress, Timeout = TimeSpan.FromMinutes(2) };
        http.DefaultRequestHeaders.Add("X-Api-Key", AdminKey(settings, node));
        var added = await http.PostAsJsonAsync("/v1/admin/models", new { path = "chaos-model" }, cancellationToken);
        added.EnsureSuccessStatusCode();
        var version = (await added.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("version").GetString();
        using var none = new StringContent("{}", System.Text.Encoding.UTF8, "application/json");
        (await http.PostAsync($"/v1/admin/models/{version}:promote", none, cancellationToken)).EnsureSuccessStatusCode();
        Console.WriteLine($"promoted {version}");
    }

    private static async Task RunCliAsync(ClusterSettings settings, CancellationToken cancellationToken, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(settings.RecogridDll);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"recogrid {arguments[0]} failed ({process.ExitCode}): {await output}{await errors}");
        }
    }
}
