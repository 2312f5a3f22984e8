using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using RecoGrid.Cli.Offline;
using RecoGrid.Server.Retraining;
using Spectre.Console;

namespace RecoGrid.Cli.Commands;

/// <summary>`recogrid models history`: the recorded retraining runs of a data folder.</summary>
internal static class ModelsHistoryCommand
{
    public static Command Create(Option<string> dataDir)
    {
        var json = new Option<FileInfo?>("--json") { Description = "Also write every run's full record (durations per step, metrics, decision) as JSON." };
        var history = new Command("history", "Show the retraining runs (of the data folder, or of the cluster's registry when RECOGRID__Storage__Provider=azure), newest first: trigger, outcome, data size, the gate's metric for the new and the serving model, seconds.") { json };
        history.SetAction((parse, ct) => OfflineConsole.RunAsync(parse, ct, async (console, token) =>
        {
            var runs = (await RetrainingHistory.Create(ModelsCommand.EnvironmentConfiguration(), parse.GetValue(dataDir)!).ReadAsync(token)).Reverse().ToList();
            if (runs.Count == 0)
            {
                console.WriteLine("No retraining runs yet. Start one with `recogrid retrain` (or POST /v1/admin/retrain), or set Training:Schedule.");
            }
            else
            {
                var table = new Table().AddColumns("run", "trigger", "started", "status", "version", "interactions", "metric", "new", "serving", "seconds", "decision");
                foreach (var run in runs)
                {
                    var metric = run.Metric ?? "";
                    table.AddRow(
                        Markup.Escape(run.Id), run.Trigger, run.StartedAt.ToString("u", CultureInfo.InvariantCulture), run.Status,
                        Markup.Escape(run.Version ?? ""), run.Interactions.ToString("N0", CultureInfo.InvariantCulture), metric,
                        Format(run.NewMetrics, metric), Format(run.ServingMetrics, metric),
                        run.Durations.GetValueOrDefault("total").ToString("F1", CultureInfo.InvariantCulture),
                        Markup.Escape(run.Decision ?? run.Error ?? ""));
                }

                console.Write(table);
            }

            if (parse.GetValue(json) is { } file)
            {
                await File.WriteAllTextAsync(file.FullName, JsonSerializer.Serialize(runs, new JsonSerializerOptions(RetrainingHistory.Json) { WriteIndented = true }), token);
            }

            return 0;
        }));
        return history;
    }

    private static string Format(IReadOnlyDictionary<string, double>? metrics, string metric) =>
        metrics?.GetValueOrDefault(metric) is { } value ? value.ToString("F4", CultureInfo.InvariantCulture) : "";
}
