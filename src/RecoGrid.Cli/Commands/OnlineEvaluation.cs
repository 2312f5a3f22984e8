using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using RecoGrid.Cli.Offline;
using RecoGrid.Training.Artifacts;
using RecoGrid.Training.Data;
using RecoGrid.Training.Evaluation;
using RecoGrid.Training.Models;
using Spectre.Console;

namespace RecoGrid.Cli.Commands;

/// <summary>
/// `recogrid evaluate --online URL`: for each split of `evaluate` (same seeds, same <see cref="Evaluator.MakeSplit"/>),
/// trains iALS on the split's training users, scores the held-out users offline, then registers and promotes that
/// model on the running node (through its import folder and admin API) and replays each held-out user's fold-in items
/// as events: the ranking GET .../recommendations returns is scored on the same targets by the same metrics.
/// </summary>
internal sealed class OnlineEvaluation(HttpClient http, string dataDir)
{
    /// <summary>The event type replayed; its weight must be 1 (as in the default Events:Types) so the event's value is the interaction's weight.</summary>
    public const string EventType = "view";

    private const int Parallelism = 8;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Per split: the offline result and the online one, with the same metric keys.</summary>
    public async Task<(EvaluationResult Offline, EvaluationResult Online)> RunSplitAsync(
        InteractionData data, EvaluationSplit split, IalsOptions ials, IReadOnlyList<int> ks, int threads, string tag, ProgressTask progress, CancellationToken ct)
    {
        var recommender = new IalsRecommender(ials);
        await Task.Run(() => recommender.Fit(split.Train, ct), ct);
        var offline = Evaluator.Score(recommender, split, ks, threads, ct);

        var folder = $"online-evaluation-{tag}";
        var artifactDir = Path.Combine(dataDir, "import", folder);
        ModelArtifact.Write(artifactDir, new ModelArtifactContent
        {
            Model = ArtifactManifest.IalsModel,
            Solve = ials.SolveParameters,
            Factors = ials.Factors,
            ItemIds = data.ItemIds,
            ItemFactors = recommender.Model.ItemFactors,
        });
        try
        {
            var version = await RegisterAndPromoteAsync(folder, ct);
            var online = await ScoreOnlineAsync(data, split, ks, version, tag, progress, ct);
            return (offline, online);
        }
        finally
        {
            Directory.Delete(artifactDir, recursive: true);
        }
    }

    /// <summary>The version the node promotes now (to put back afterwards), or null.</summary>
    public async Task<string?> ActiveVersionAsync(CancellationToken ct)
    {
        var registry = await GetJsonAsync("/v1/admin/models", ct);
        return registry.TryGetProperty("active", out var active) && active.ValueKind == JsonValueKind.String ? active.GetString() : null;
    }

    public async Task PromoteAsync(string version, CancellationToken ct)
    {
        using var response = await http.PostAsync($"/v1/admin/models/{Uri.EscapeDataString(version)}:promote", AdminClientOptions.EmptyJson(), ct);
        await EnsureAsync(response, $"promoting {version}", ct);
    }

    private async Task<string> RegisterAndPromoteAsync(string folder, CancellationToken ct)
    {
        using var added = await http.PostAsJsonAsync("/v1/admin/models", new { path = folder }, ct);
        await EnsureAsync(added, "registering the evaluation model (the node must share --data-dir's import folder)", ct);
        var version = (await added.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("version").GetString()!;
        await PromoteAsync(version, ct);
        return version;
    }

    private async Task<EvaluationResult> ScoreOnlineAsync(
        InteractionData data, EvaluationSplit split, IReadOnlyList<int> ks, string version, string tag, ProgressTask progress, CancellationToken ct)
    {
        var cutoffs = ks.Distinct().Order().ToArray();
        var count = cutoffs[^1];
        var index = new Dictionary<string, int>(data.ItemIds.Length, StringComparer.Ordinal);
        for (var i = 0; i < data.ItemIds.Length; i++)
        {
            index[data.ItemIds[i]] = i;
        }

        var users = Enumerable.Range(0, split.Targets.Rows).Where(u => split.Targets.RowLength(u) > 0).ToArray();
        progress.MaxValue = Math.Max(1, users.Length);
        var sum = new double[4 * cutoffs.Length];
        var covered = new bool[cutoffs.Length][];
        for (var j = 0; j < cutoffs.Length; j++)
        {
            covered[j] = new bool[data.ItemIds.Length];
        }

        await Parallel.ForEachAsync(users, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = ct }, async (u, token) =>
        {
            var userId = $"online-evaluation-{tag}-{u.ToString(CultureInfo.InvariantCulture)}";
            await SendFoldInAsync(userId, data, split.FoldIn, u, token);
            var ranked = await RecommendAsync(userId, count, version, index, token);
            var perUser = new double[4 * cutoffs.Length];
            RankingMetrics.Compute(ranked, split.Targets.RowIndices(u), cutoffs, perUser);
            using (var erased = await http.DeleteAsync($"/v1/users/{Uri.EscapeDataString(userId)}", token))
            {
                await EnsureAsync(erased, "erasing an evaluation user", token);
            }

            lock (sum)
            {
                for (var m = 0; m < sum.Length; m++)
                {
                    sum[m] += perUser[m];
                }

                for (var j = 0; j < cutoffs.Length; j++)
                {
                    for (var p = 0; p < Math.Min(cutoffs[j], ranked.Length); p++)
                    {
                        covered[j][ranked[p]] = true;
                    }
                }

                progress.Increment(1);
            }
        });

        var metrics = new Dictionary<string, double>();
        for (var j = 0; j < cutoffs.Length; j++)
        {
            for (var m = 0; m < 4; m++)
            {
                metrics[$"{RankingMetrics.PerUserMetricNames[m]}@{cutoffs[j]}"] = users.Length == 0 ? 0 : sum[(4 * j) + m] / users.Length;
            }

            metrics[$"coverage@{cutoffs[j]}"] = data.ItemIds.Length == 0 ? 0 : (double)covered[j].Count(c => c) / data.ItemIds.Length;
        }

        return new EvaluationResult(metrics, users.Length, [metrics]);
    }

    private async Task SendFoldInAsync(string userId, InteractionData data, CsrMatrix foldIn, int u, CancellationToken ct)
    {
        var items = foldIn.RowIndices(u).ToArray();
        var values = foldIn.RowValues(u).ToArray();
        for (var start = 0; start < items.Length; start += 500)
        {
            var events = Enumerable.Range(start, Math.Min(500, items.Length - start))
                .Select(k => new { userId, itemId = data.ItemIds[items[k]], type = EventType, value = (double)values[k] });
            using var response = await http.PostAsJsonAsync("/v1/events", new { events }, ct);
            await EnsureAsync(response, "sending fold-in events", ct);
        }
    }

    /// <summary>The node's ranking as item rows; retried until the node serves <paramref name="version"/> (its registry poll).</summary>
    private async Task<int[]> RecommendAsync(string userId, int count, string version, Dictionary<string, int> index, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            var recs = await GetJsonAsync($"/v1/users/{Uri.EscapeDataString(userId)}/recommendations?count={count.ToString(CultureInfo.InvariantCulture)}&retrieval=exact", ct);
            if (recs.GetProperty("modelVersion").ValueKind == JsonValueKind.String && recs.GetProperty("modelVersion").GetString() == version)
            {
                return [.. recs.GetProperty("items").EnumerateArray()
                    .Select(i => index.GetValueOrDefault(i.GetProperty("itemId").GetString()!, -1))
                    .Where(i => i >= 0)];
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new OfflineUsageException($"the node at {http.BaseAddress} did not serve model {version} within 2 minutes (source '{recs.GetProperty("source").GetString()}').");
            }

            await Task.Delay(100, ct);
        }
    }

    private async Task<JsonElement> GetJsonAsync(string path, CancellationToken ct)
    {
        using var response = await http.GetAsync(path, ct);
        await EnsureAsync(response, "GET " + path.Split('?')[0], ct);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Json, ct);
    }

    private static async Task EnsureAsync(HttpResponseMessage response, string what, CancellationToken ct)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = await response.Content.ReadAsStringAsync(ct);
        var hint = response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? " Pass an admin key with --api-key (or $RECOGRID_API_KEY, or --data-dir with admin.key)." : string.Empty;
        throw new OfflineUsageException($"{what} answered {(int)response.StatusCode} {response.StatusCode}: {body}{hint}");
    }

    /// <summary>The comparison table: each metric offline, online and the difference.</summary>
    public static void WriteTable(IAnsiConsole console, EvaluationResult offline, EvaluationResult online)
    {
        var table = new Table().AddColumn("metric").AddColumn(new TableColumn("offline").RightAligned()).AddColumn(new TableColumn("online").RightAligned()).AddColumn(new TableColumn("online − offline").RightAligned());
        foreach (var key in offline.Metrics.Keys.Where(online.Metrics.ContainsKey).Order(StringComparer.Ordinal))
        {
            table.AddRow(key, F(offline.Metrics[key]), F(online.Metrics[key]), F(online.Metrics[key] - offline.Metrics[key]));
        }

        table.AddRow("evaluated users", offline.EvaluatedUsers.ToString("F0", CultureInfo.InvariantCulture), online.EvaluatedUsers.ToString("F0", CultureInfo.InvariantCulture), string.Empty);
        console.Write(table);
    }

    /// <summary>The JSON report's "online" part.</summary>
    public static JsonObject ToJson(EvaluationResult offline, EvaluationResult online)
    {
        JsonObject Metrics(EvaluationResult r) => new([.. r.Metrics.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)JsonValue.Create(p.Value)))]);
        return new JsonObject { ["offline"] = Metrics(offline), ["online"] = Metrics(online), ["evaluated_users"] = online.EvaluatedUsers };
    }

    private static string F(double value) => value.ToString("F4", CultureInfo.InvariantCulture);
}
