using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using RecoGrid.Cli.Offline;
using RecoGrid.Training.Artifacts;
using RecoGrid.Training.Data;
using RecoGrid.Training.Models;
using Spectre.Console;

namespace RecoGrid.Cli.Commands;

/// <summary>`recogrid train`: loads interactions, trains iALS and writes a model artifact.</summary>
internal static class TrainCommand
{
    public static Command Create()
    {
        var data = new DataOptions();
        var ials = new IalsCliOptions();
        var output = new Option<DirectoryInfo>("--out", "-o")
        {
            Description = "Directory to write the model artifact to (factors, ids, user index, manifest.json).",
            Required = true,
        };
        var json = new Option<FileInfo?>("--json")
        {
            Description = "Also write a machine-readable report: settings, data statistics, seconds per iteration, peak memory.",
        };
        var noLoss = new Option<bool>("--no-loss")
        {
            Description = "Skip computing the training loss after each iteration (saves about one user pass per iteration).",
        };

        var command = new Command("train", "Train an implicit-ALS model on an interaction file and write a model artifact.");
        data.AddTo(command);
        ials.AddTo(command);
        command.Options.Add(output);
        command.Options.Add(json);
        command.Options.Add(noLoss);
        command.SetAction((parseResult, cancellationToken) => OfflineConsole.RunAsync(parseResult, cancellationToken, async (console, ct) =>
        {
            var options = ials.ToOptions(parseResult, computeLoss: !parseResult.GetValue(noLoss));
            var outDirectory = parseResult.GetValue(output)!;
            var total = Stopwatch.StartNew();
            var loaded = await OfflineConsole.LoadAsync(console, data, parseResult, ct);
            var loadSeconds = total.Elapsed.TotalSeconds;

            var reports = new List<IterationReport>();
            var model = await FitAsync(console, loaded.UserItems, options, reports, ct);

            var seconds = reports.Select(r => r.Seconds).ToList();
            var memory = RunMeasurements.Memory();
            var loadOptions = data.ToLoadOptions(parseResult, null);
            var training = IalsCliOptions.ToJson(options);
            training["seconds_per_iteration"] = RunMeasurements.Array(seconds);
            training["median_seconds_per_iteration"] = RunMeasurements.Median(seconds);
            training["final_loss"] = reports.LastOrDefault()?.Loss;
            var dataJson = RunMeasurements.Describe(loaded.Statistics);
            dataJson["filters"] = DataOptions.Describe(loadOptions, parseResult.GetValue(data.Input)!.FullName);

            ModelArtifact.Write(outDirectory.FullName, new ModelArtifactContent
            {
                Factors = model.Factors,
                ItemIds = loaded.ItemIds,
                ItemFactors = model.ItemFactors,
                UserIds = loaded.UserIds,
                UserFactors = model.UserFactors,
                Training = training,
                Data = dataJson,
            });

            var median = RunMeasurements.Median(seconds);
            console.MarkupLine(
                $"Wrote [bold]{Markup.Escape(outDirectory.FullName)}[/]: {model.Users:N0} users × {model.Items:N0} items × {model.Factors} factors; " +
                $"median {median.ToString("F3", CultureInfo.InvariantCulture)} s/iteration, peak memory {RunMeasurements.Bytes((long)memory["peak_memory_bytes"]!)}.");

            if (parseResult.GetValue(json) is { } jsonFile)
            {
                var report = new JsonObject
                {
                    ["command"] = "train",
                    ["artifact"] = outDirectory.FullName,
                    ["settings"] = IalsCliOptions.ToJson(options),
                    ["data"] = dataJson.DeepClone(),
                    ["load_seconds"] = loadSeconds,
                    ["seconds_per_iteration"] = RunMeasurements.Array(seconds),
                    ["median_seconds_per_iteration"] = median,
                    ["loss_per_iteration"] = new JsonArray([.. reports.Select(r => JsonValue.Create(r.Loss))]),
                    ["total_seconds"] = total.Elapsed.TotalSeconds,
                    ["peak_memory_bytes"] = memory["peak_memory_bytes"]!.DeepClone(),
                    ["memory"] = memory,
                    ["processor_count"] = Environment.ProcessorCount,
                };
                await RunMeasurements.WriteJsonAsync(jsonFile, report, ct);
            }

            return 0;
        }));
        return command;
    }

    /// <summary>Fits iALS behind a progress bar that shows each iteration's time and loss.</summary>
    internal static async Task<IalsModel> FitAsync(IAnsiConsole console, CsrMatrix userItems, IalsOptions options, List<IterationReport> reports, CancellationToken ct)
    {
        IalsModel? model = null;
        await console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask($"iALS d={options.Factors}", maxValue: Math.Max(1, options.Iterations));
                void OnIteration(IterationReport report)
                {
                    reports.Add(report);
                    var loss = report.Loss is { } l ? l.ToString("G6", CultureInfo.InvariantCulture) : "n/a";
                    task.Description = $"iALS d={options.Factors} iteration {report.Iteration}/{options.Iterations}: {report.Seconds:F2} s, loss {loss}";
                    console.MarkupLine($"  iteration {report.Iteration,3}: {report.Seconds.ToString("F3", CultureInfo.InvariantCulture)} s, loss {loss}");
                    task.Increment(1);
                }

                model = await Task.Run(() => IalsModel.Fit(userItems, options, OnIteration, ct), ct);
                task.Value = task.MaxValue;
            });
        return model!;
    }
}
