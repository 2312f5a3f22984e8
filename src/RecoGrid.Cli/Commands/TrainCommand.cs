using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using RecoGrid.Cli.Offline;
using RecoGrid.Training.Data;
using RecoGrid.Training.Evaluation;
using RecoGrid.Training.Models;
using RecoGrid.Training.Pipeline;
using Spectre.Console;

namespace RecoGrid.Cli.Commands;

/// <summary>`recogrid train`: runs the training pipeline on an interaction file and writes a model artifact.</summary>
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
        var evaluateHoldout = new Option<double?>("--evaluate-holdout")
        {
            Description = "Hold this share of users (e.g. 0.1) out of training, score them and record the metrics in the manifest; " +
                "their vectors are then folded in from all their items.",
        };

        var fromLog = new Option<bool>("--from-log")
        {
            Description = "Train on the events a server acknowledged: a consistent snapshot of the interaction log of --data-dir (as `recogrid log export` writes it), instead of --input.",
        };
        var dataDir = new Option<string>("--data-dir")
        {
            Description = "With --from-log: the data folder whose log to read (the same as `recogrid serve --data-dir`).",
            DefaultValueFactory = _ => OfflineLog.DefaultDataDir,
        };
        var until = new Option<DateTimeOffset?>("--until") { Description = "With --from-log: only events appended at or before this time." };

        var command = new Command("train", "Train an implicit-ALS model on an interaction file (or the server's interaction log) and write a model artifact.");
        command.Options.Add(fromLog);
        command.Options.Add(dataDir);
        command.Options.Add(until);
        data.AddTo(command);
        ials.AddTo(command);
        command.Options.Add(output);
        command.Options.Add(json);
        command.Options.Add(noLoss);
        command.Options.Add(evaluateHoldout);
        command.SetAction((parseResult, cancellationToken) => OfflineConsole.RunAsync(parseResult, cancellationToken, async (console, ct) =>
        {
            var options = ials.ToOptions(parseResult, computeLoss: !parseResult.GetValue(noLoss));
            var holdout = Holdout(parseResult.GetValue(evaluateHoldout), options.Seed);
            var outDirectory = parseResult.GetValue(output)!;
            var total = Stopwatch.StartNew();
            string? snapshot = null;
            if (parseResult.GetValue(fromLog))
            {
                if (parseResult.GetValue(data.Input) is not null)
                {
                    throw new OfflineUsageException("Give either --input FILE or --from-log, not both.");
                }

                var store = OfflineLog.Open(parseResult.GetValue(dataDir)!);
                snapshot = Path.Combine(Path.GetTempPath(), $"recogrid-log-{Guid.NewGuid():N}.tsv");
                var exported = await LogCommand.ExportWithProgressAsync(console, store, snapshot, parseResult.GetValue(until), ct);
                console.MarkupLineInterpolated($"Read {exported.Events:N0} acknowledged events from the log of {Path.GetFullPath(parseResult.GetValue(dataDir)!)}.");
            }

            try
            {
                var input = snapshot is null ? OfflineConsole.ExistingInput(data, parseResult) : new FileInfo(snapshot);
                var result = await RunWithProgressAsync(console, input, options, progress => new TrainingRequest
                {
                    Source = new InteractionFileSource(input.FullName, data.ToLoadOptions(parseResult, progress)),
                    OutputDirectory = outDirectory.FullName,
                    Options = options,
                    Evaluation = holdout,
                }, ct);

                var manifest = result.Artifact.Manifest;
                var median = result.MedianSecondsPerIteration;
                var memory = RunMeasurements.Memory();
                if (result.Evaluation is { } evaluation)
                {
                    var k = holdout!.Ks.Min();
                    console.MarkupLine(
                        $"Held-out users: {evaluation.EvaluatedUsers:N0} evaluated; " +
                        string.Join(", ", RankingMetrics.PerUserMetricNames.Select(name =>
                            $"{name}@{k} {evaluation.Metrics[$"{name}@{k}"].ToString("F4", CultureInfo.InvariantCulture)}")) + ".");
                }

                console.MarkupLine(
                    $"Wrote [bold]{Markup.Escape(outDirectory.FullName)}[/]: {manifest.Users:N0} users × {manifest.Items:N0} items × {manifest.Factors} factors; " +
                    $"median {median?.ToString("F3", CultureInfo.InvariantCulture) ?? "n/a"} s/iteration, peak memory {RunMeasurements.Bytes((long)memory["peak_memory_bytes"]!)}.");

                if (parseResult.GetValue(json) is { } jsonFile)
                {
                    var report = new JsonObject
                    {
                        ["command"] = "train",
                        ["artifact"] = outDirectory.FullName,
                        ["settings"] = IalsCliOptions.ToJson(options),
                        ["data"] = manifest.Data?.DeepClone(),
                        ["load_seconds"] = result.LoadSeconds,
                        ["seconds_per_iteration"] = RunMeasurements.Array(result.SecondsPerIteration),
                        ["median_seconds_per_iteration"] = median,
                        ["loss_per_iteration"] = new JsonArray([.. result.Iterations.Select(r => JsonValue.Create(r.Loss))]),
                        ["total_seconds"] = total.Elapsed.TotalSeconds,
                        ["peak_memory_bytes"] = memory["peak_memory_bytes"]!.DeepClone(),
                        ["memory"] = memory,
                        ["processor_count"] = Environment.ProcessorCount,
                    };
                    if (result.Metrics is { } metrics)
                    {
                        report["metrics"] = new JsonObject([.. metrics.Select(m => KeyValuePair.Create(m.Key, (JsonNode?)m.Value))]);
                    }

                    await RunMeasurements.WriteJsonAsync(jsonFile, report, ct);
                }

                return 0;
            }
            finally
            {
                if (snapshot is not null)
                {
                    File.Delete(snapshot);
                }
            }
        }));
        return command;
    }

    /// <summary>Fits iALS behind a progress bar that shows each iteration's time and loss.</summary>
    internal static async Task<IalsModel> FitAsync(IAnsiConsole console, CsrMatrix userItems, IalsOptions options, List<IterationReport> reports, CancellationToken ct)
    {
        IalsModel? model = null;
        await IterationProgress(console).StartAsync(async context =>
        {
            var task = AddIterationTask(context, options);
            model = await Task.Run(
                () => IalsModel.Fit(
                    userItems,
                    options,
                    report =>
                    {
                        reports.Add(report);
                        ShowIteration(console, task, options, report);
                    },
                    ct),
                ct);
            task.Value = task.MaxValue;
        });
        return model!;
    }

    /// <summary>
    /// Runs the pipeline behind the command's two displays: the load bar, which clears into a one-line summary, then
    /// the iteration bar. The run waits after loading until the iteration bar is up, so no iteration goes unshown.
    /// </summary>
    private static async Task<TrainingResult> RunWithProgressAsync(
        IAnsiConsole console, FileInfo input, IalsOptions options, Func<IProgress<LoadProgress>, TrainingRequest> createRequest, CancellationToken ct)
    {
        var loaded = new TaskCompletionSource<InteractionStatistics>(TaskCreationOptions.RunContinuationsAsynchronously);
        var barShown = new TaskCompletionSource<ProgressTask>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<TrainingResult>? run = null;
        try
        {
            await OfflineConsole.ShowLoadAsync(console, input, async progress =>
            {
                ProgressTask? bar = null;
                var request = createRequest(progress) with
                {
                    OnLoaded = statistics =>
                    {
                        loaded.TrySetResult(statistics);
                        bar = barShown.Task.WaitAsync(ct).GetAwaiter().GetResult();
                    },
                    OnIteration = report => ShowIteration(console, bar!, options, report),
                };
                run = Task.Run(() => TrainingPipeline.Run(request, ct), ct);
                await Task.WhenAny(loaded.Task, run);
                return loaded.Task.IsCompleted ? await loaded.Task : (await run).Statistics;
            });

            await IterationProgress(console).StartAsync(async context =>
            {
                var task = AddIterationTask(context, options);
                barShown.TrySetResult(task);
                await run!;
                task.Value = task.MaxValue;
            });
        }
        finally
        {
            // Never leave the run waiting for a display that failed to appear.
            barShown.TrySetCanceled(CancellationToken.None);
        }

        return await run!;
    }

    private static HoldoutEvaluation? Holdout(double? fraction, int seed)
    {
        if (fraction is not { } share)
        {
            return null;
        }

        if (!(share > 0 && share < 1))
        {
            throw new OfflineUsageException($"--evaluate-holdout must be a share of users between 0 and 1 (exclusive), not {share.ToString(CultureInfo.InvariantCulture)}.");
        }

        return new HoldoutEvaluation { HeldOutUserFraction = share, Seed = seed };
    }

    private static Progress IterationProgress(IAnsiConsole console) => console.Progress()
        .AutoClear(false)
        .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn());

    private static ProgressTask AddIterationTask(ProgressContext context, IalsOptions options) =>
        context.AddTask($"iALS d={options.Factors}", maxValue: Math.Max(1, options.Iterations));

    private static void ShowIteration(IAnsiConsole console, ProgressTask task, IalsOptions options, IterationReport report)
    {
        var loss = report.Loss is { } l ? l.ToString("G6", CultureInfo.InvariantCulture) : "n/a";
        task.Description = $"iALS d={options.Factors} iteration {report.Iteration}/{options.Iterations}: {report.Seconds:F2} s, loss {loss}";
        console.MarkupLine($"  iteration {report.Iteration,3}: {report.Seconds.ToString("F3", CultureInfo.InvariantCulture)} s, loss {loss}");
        task.Increment(1);
    }
}
