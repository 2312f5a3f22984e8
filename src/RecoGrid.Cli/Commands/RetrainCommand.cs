using System.CommandLine;
using System.Globalization;
using System.Net;
using System.Text.Json;
using RecoGrid.Cli.Hosting;
using RecoGrid.Cli.Offline;
using RecoGrid.Server.Retraining;
using Spectre.Console;

namespace RecoGrid.Cli.Commands;

/// <summary>`recogrid retrain`: starts a retraining run on a running node and follows it with a progress bar.</summary>
internal static class RetrainCommand
{
    public static Command Create()
    {
        var server = new Option<string>("--server")
        {
            Description = "The node's HTTP address (any node of the cluster with the API).",
            DefaultValueFactory = _ => ServeSettings.DefaultUrls,
        };
        var noWait = new Option<bool>("--no-wait") { Description = "Start the run and print its id without following it." };
        var json = new Option<FileInfo?>("--json") { Description = "Write the finished run's record (durations per step, metrics, decision) as JSON." };
        var admin = new AdminClientOptions();
        var command = new Command(
            "retrain",
            "Retrain now on a running cluster: snapshot the interaction log, train on the training silos, gate against the serving model, promote if it passes. Shows progress per iteration.")
        {
            server, noWait, json,
        };
        admin.AddTo(command);
        command.SetAction((parse, ct) => OfflineConsole.RunAsync(parse, ct, async (console, token) =>
        {
            using var http = admin.CreateClient(parse, parse.GetValue(server)!);
            try
            {
                var run = await StartAsync(console, http, token);
                if (parse.GetValue(noWait))
                {
                    console.MarkupLineInterpolated($"Started [bold]{run.Id}[/]; follow it with GET /v1/admin/retrain/{run.Id}.");
                    return 0;
                }

                run = await FollowAsync(console, http, run, token);
                Show(console, run);
                if (parse.GetValue(json) is { } file)
                {
                    await File.WriteAllTextAsync(file.FullName, JsonSerializer.Serialize(run, new JsonSerializerOptions(RetrainingHistory.Json) { WriteIndented = true }), token);
                }

                return run.Status == RetrainingStatus.Failed ? OfflineConsole.ExitFailure : 0;
            }
            catch (HttpRequestException e)
            {
                throw new OfflineUsageException($"--server: could not reach {http.BaseAddress} ({e.Message}); is `recogrid serve` running there?");
            }
        }));
        return command;
    }

    /// <summary>Starts a run, or follows the one already running.</summary>
    internal static async Task<RetrainingRun> StartAsync(IAnsiConsole console, HttpClient http, CancellationToken ct)
    {
        using var response = await http.PostAsync("/v1/admin/retrain", AdminClientOptions.EmptyJson(), ct);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(ct);
            var id = problem.GetProperty("runId").GetString()!;
            console.MarkupLineInterpolated($"A run is already in progress: following [bold]{id}[/].");
            return await GetAsync(http, id, ct);
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new OfflineUsageException($"the server answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        }

        return (await response.Content.ReadFromJsonAsync<RetrainingRun>(RetrainingHistory.Json, ct))!;
    }

    /// <summary>Polls the run until it finishes, behind a bar of iterations.</summary>
    internal static async Task<RetrainingRun> FollowAsync(IAnsiConsole console, HttpClient http, RetrainingRun run, CancellationToken ct)
    {
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask($"{run.Id}: {run.Step}", maxValue: 1);
                var shown = 0;
                while (!run.IsFinished)
                {
                    await Task.Delay(250, ct);
                    run = await GetAsync(http, run.Id, ct);
                    task.MaxValue = Math.Max(1, run.Iterations);
                    task.Value = run.Iteration;
                    task.Description = run.Step == RetrainingSteps.Train && run.Blocks > 0
                        ? $"{run.Id}: train, iteration {Math.Min(run.Iteration + 1, run.Iterations)}/{run.Iterations}, {run.HalfStep} blocks {run.CompletedBlocks}/{run.Blocks}"
                        : $"{run.Id}: {run.Step}";
                    for (; shown < run.SecondsPerIteration.Length; shown++)
                    {
                        var bytes = shown < run.BytesPerIteration.Length ? RunMeasurements.Bytes(run.BytesPerIteration[shown]) : "n/a";
                        console.MarkupLine($"  iteration {shown + 1,3}: {run.SecondsPerIteration[shown].ToString("F3", CultureInfo.InvariantCulture)} s, {bytes} moved");
                    }
                }

                task.Value = task.MaxValue;
            });
        return run;
    }

    internal static async Task<RetrainingRun> GetAsync(HttpClient http, string id, CancellationToken ct) =>
        (await http.GetFromJsonAsync<RetrainingRun>($"/v1/admin/retrain/{Uri.EscapeDataString(id)}", RetrainingHistory.Json, ct))!;

    /// <summary>One run's outcome: decision, metrics against the serving model, seconds per step.</summary>
    internal static void Show(IAnsiConsole console, RetrainingRun run)
    {
        console.MarkupLineInterpolated($"[bold]{run.Id}[/] {run.Status}: {run.Decision ?? run.Error ?? ""}");
        if (run.Error is { } error && run.Decision is not null)
        {
            console.MarkupLineInterpolated($"  error: {error}");
        }

        console.MarkupLineInterpolated($"  data: {run.Events:N0} events, {run.Users:N0} users, {run.Items:N0} items, {run.Interactions:N0} interactions");
        if (run.NewMetrics is { } metrics && run.Metric is { } metric)
        {
            var serving = run.ServingMetrics?.GetValueOrDefault(metric) is { } s ? s.ToString("F4", CultureInfo.InvariantCulture) : "none";
            console.MarkupLineInterpolated($"  {metric}: new {metrics.GetValueOrDefault(metric).ToString("F4", CultureInfo.InvariantCulture)}, serving ({run.ServingVersion ?? "none"}) {serving}");
        }

        string[] order = [RetrainingSteps.Snapshot, RetrainingSteps.Tune, RetrainingSteps.Train, RetrainingSteps.Evaluate, RetrainingSteps.Gate, RetrainingSteps.Register, RetrainingSteps.Promote, "total"];
        console.MarkupLine("  seconds: " + string.Join(", ", run.Durations.OrderBy(p => Array.IndexOf(order, p.Key)).Select(p => $"{p.Key} {p.Value.ToString("F2", CultureInfo.InvariantCulture)}")));
    }
}
