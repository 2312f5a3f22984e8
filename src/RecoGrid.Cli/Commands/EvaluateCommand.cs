using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using RecoGrid.Cli.Offline;
using RecoGrid.Training.Data;
using RecoGrid.Training.Evaluation;
using RecoGrid.Training.Models;
using Spectre.Console;

namespace RecoGrid.Cli.Commands;

/// <summary>`recogrid evaluate`: compares models on the same splits of an interaction file.</summary>
internal static class EvaluateCommand
{
    private static readonly string[] KnownModels = ["ials", "ials-ann", "ease", "popularity"];

    public static Command Create()
    {
        var data = new DataOptions();
        var ials = new IalsCliOptions();
        var evaluation = new EvaluationCliOptions();
        var models = new Option<string>("--models")
        {
            Description = "Comma-separated models to compare: ials, ials-ann (the same iALS served through two-stage retrieval: ANN candidates ranked by the ONNX candidate graph), ease, popularity.",
            DefaultValueFactory = _ => "ials,ease,popularity",
        };
        var easeLambda = new Option<float>("--ease-lambda")
        {
            Description = "L2 regularization λ of EASE.",
            DefaultValueFactory = _ => 200f,
        };
        var json = new Option<FileInfo?>("--json")
        {
            Description = "Also write {\"models\": {\"ials\": {\"recall@20\": …}, …}} with settings and data statistics to this file.",
        };

        var online = new Option<string?>("--online")
        {
            Description = "Also measure iALS online on the node at this URL (e.g. http://127.0.0.1:8080): per split, promote the split's model there, send each held-out user's fold-in items through POST /v1/events (type 'view', value = weight), score GET .../recommendations?count=max K against the targets, and print offline and online side by side. The node must share --data-dir (its import folder); its promoted version is restored afterwards.",
        };
        var admin = new AdminClientOptions();

        var command = new Command("evaluate", "Evaluate models (iALS, EASE, popularity) on an interaction file with an offline protocol and top-K metrics.");
        data.AddTo(command);
        evaluation.AddTo(command);
        command.Options.Add(models);
        ials.AddTo(command);
        command.Options.Add(easeLambda);
        command.Options.Add(json);
        command.Options.Add(online);
        admin.AddTo(command);
        command.SetAction((parseResult, cancellationToken) => OfflineConsole.RunAsync(parseResult, cancellationToken, async (console, ct) =>
        {
            var ialsOptions = ials.ToOptions(parseResult, computeLoss: false);
            var options = evaluation.ToOptions(parseResult, ialsOptions.Threads);
            var names = ParseModels(parseResult.GetValue(models)!);
            var lambda = parseResult.GetValue(easeLambda);
            if (!(lambda > 0))
            {
                throw new OfflineUsageException("--ease-lambda must be positive.");
            }

            var loaded = await OfflineConsole.LoadAsync(console, data, parseResult, ct);
            if (parseResult.GetValue(online) is { } address)
            {
                if (!Uri.TryCreate(address, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
                {
                    throw new OfflineUsageException($"--online must be an http(s) URL of a node, e.g. http://127.0.0.1:8080 (got '{address}').");
                }

                if (options.Protocol != EvaluationProtocol.StrongGeneralization)
                {
                    throw new OfflineUsageException("--online needs --protocol strong-generalization: held-out users reach the node as new users.");
                }

                return await RunOnlineAsync(console, loaded, options, ialsOptions, url, admin, parseResult, parseResult.GetValue(json), ct);
            }

            if (options.Protocol == EvaluationProtocol.TimeSplit && loaded.Timestamps is null)
            {
                throw new OfflineUsageException("--protocol time needs timestamps: the input has no time column (see --time-column).");
            }

            var splits = options.Protocol == EvaluationProtocol.TimeSplit ? 1 : options.Seeds;
            var perModel = names.ToDictionary(n => n, _ => new List<EvaluationResult>());
            var seconds = names.ToDictionary(n => n, _ => 0.0);
            await console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn())
                .StartAsync(async context =>
                {
                    var tasks = names.ToDictionary(n => n, n => context.AddTask(n, maxValue: splits));
                    await Task.Run(
                        () =>
                        {
                            for (var s = 0; s < splits; s++)
                            {
                                ct.ThrowIfCancellationRequested();
                                var split = Evaluator.MakeSplit(loaded.UserItems, options, options.Seed + s, loaded.Timestamps);
                                foreach (var name in names)
                                {
                                    var timer = Stopwatch.StartNew();
                                    var model = CreateModel(name, ialsOptions, lambda, options.Ks.Max());
                                    model.Fit(split.Train, ct);
                                    var result = Evaluator.Score(model, split, options.Ks, options.Threads, ct);
                                    (model as IDisposable)?.Dispose();
                                    perModel[name].Add(result);
                                    seconds[name] += timer.Elapsed.TotalSeconds;
                                    tasks[name].Description = $"{name}: split {s + 1}/{splits}, {timer.Elapsed.TotalSeconds:F1} s";
                                    tasks[name].Increment(1);
                                }
                            }
                        },
                        ct);
                });

            var averaged = perModel.ToDictionary(p => p.Key, p => Evaluator.Average(p.Value));
            WriteTable(console, averaged, names);

            if (parseResult.GetValue(json) is { } jsonFile)
            {
                var modelsJson = new JsonObject();
                var usersJson = new JsonObject();
                var secondsJson = new JsonObject();
                foreach (var name in names)
                {
                    var metrics = new JsonObject();
                    foreach (var (key, value) in averaged[name].Metrics)
                    {
                        metrics[key] = value;
                    }

                    modelsJson[name] = metrics;
                    usersJson[name] = averaged[name].EvaluatedUsers;
                    secondsJson[name] = seconds[name];
                }

                var report = new JsonObject
                {
                    ["command"] = "evaluate",
                    ["protocol"] = EvaluationCliOptions.Name(options.Protocol),
                    ["splits"] = splits,
                    ["split_seed"] = options.Seed,
                    ["ks"] = new JsonArray([.. options.Ks.Select(k => JsonValue.Create(k))]),
                    ["models"] = modelsJson,
                    ["evaluated_users"] = usersJson,
                    ["seconds"] = secondsJson,
                    ["settings"] = new JsonObject
                    {
                        ["ials"] = IalsCliOptions.ToJson(ialsOptions),
                        ["ease_lambda"] = lambda,
                        ["held_out_user_fraction"] = options.HeldOutUserFraction,
                        ["target_fraction"] = options.TargetFraction,
                    },
                    ["data"] = RunMeasurements.Describe(loaded.Statistics),
                };
                await RunMeasurements.WriteJsonAsync(jsonFile, report, ct);
            }

            return 0;
        }));
        return command;
    }

    private static async Task<int> RunOnlineAsync(
        IAnsiConsole console, InteractionData loaded, EvaluationOptions options, IalsOptions ialsOptions, Uri url, AdminClientOptions admin, ParseResult parseResult, FileInfo? jsonFile, CancellationToken ct)
    {
        using var http = admin.CreateClient(parseResult, url.ToString());
        var dataDir = Path.GetFullPath(parseResult.GetValue(admin.DataDir)!);
        var evaluation = new OnlineEvaluation(http, dataDir);
        var previous = await evaluation.ActiveVersionAsync(ct);
        var offline = new List<EvaluationResult>();
        var onlineResults = new List<EvaluationResult>();
        var run = Guid.NewGuid().ToString("N")[..8];
        try
        {
            await console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn())
                .StartAsync(async context =>
                {
                    for (var s = 0; s < options.Seeds; s++)
                    {
                        var task = context.AddTask($"split {s + 1}/{options.Seeds}: training, then held-out users online");
                        var split = Evaluator.MakeSplit(loaded.UserItems, options, options.Seed + s, loaded.Timestamps);
                        var (off, on) = await evaluation.RunSplitAsync(loaded, split, ialsOptions, options.Ks, options.Threads, $"{run}-{s}", task, ct);
                        offline.Add(off);
                        onlineResults.Add(on);
                        task.Value = task.MaxValue;
                    }
                });
        }
        finally
        {
            if (previous is not null)
            {
                await evaluation.PromoteAsync(previous, CancellationToken.None);
            }
        }

        var offlineAverage = Evaluator.Average(offline);
        var onlineAverage = Evaluator.Average(onlineResults);
        OnlineEvaluation.WriteTable(console, offlineAverage, onlineAverage);
        if (jsonFile is not null)
        {
            var report = OnlineEvaluation.ToJson(offlineAverage, onlineAverage);
            report["command"] = "evaluate --online";
            report["splits"] = options.Seeds;
            report["split_seed"] = options.Seed;
            report["ks"] = new JsonArray([.. options.Ks.Select(k => JsonValue.Create(k))]);
            report["settings"] = new JsonObject { ["ials"] = IalsCliOptions.ToJson(ialsOptions), ["held_out_user_fraction"] = options.HeldOutUserFraction, ["target_fraction"] = options.TargetFraction };
            report["data"] = RunMeasurements.Describe(loaded.Statistics);
            await RunMeasurements.WriteJsonAsync(jsonFile, report, ct);
        }

        return 0;
    }

    private static IRecommenderModel CreateModel(string name, IalsOptions ialsOptions, float easeLambda, int maxK) => name switch
    {
        "ials" => new IalsRecommender(ialsOptions),
        "ials-ann" => new TwoStageRecommender(new IalsRecommender(ialsOptions), maxK),
        "ease" => new EaseRecommender(easeLambda, ialsOptions.Threads),
        _ => new PopularityRecommender(),
    };

    private static List<string> ParseModels(string text)
    {
        var names = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(n => n.ToLowerInvariant())
            .Distinct()
            .ToList();
        foreach (var name in names)
        {
            if (!KnownModels.Contains(name))
            {
                throw new OfflineUsageException($"--models: unknown model '{name}'; known: {string.Join(", ", KnownModels)}.");
            }
        }

        return names.Count > 0 ? names : throw new OfflineUsageException("--models lists no models.");
    }

    private static void WriteTable(IAnsiConsole console, Dictionary<string, EvaluationResult> results, List<string> names)
    {
        var table = new Table().AddColumn("metric");
        foreach (var name in names)
        {
            table.AddColumn(new TableColumn(name).RightAligned());
        }

        foreach (var key in results[names[0]].Metrics.Keys.OrderBy(MetricOrder))
        {
            var row = new List<string> { key };
            row.AddRange(names.Select(n => results[n].Metrics[key].ToString("F4", CultureInfo.InvariantCulture)));
            table.AddRow([.. row]);
        }

        table.AddRow(["evaluated users", .. names.Select(n => results[n].EvaluatedUsers.ToString("F0", CultureInfo.InvariantCulture))]);
        console.Write(table);
    }

    /// <summary>Sorts keys by metric name, then by K numerically (recall@20 before recall@100).</summary>
    private static string MetricOrder(string key)
    {
        var at = key.IndexOf('@', StringComparison.Ordinal);
        return at < 0 ? key : $"{key[..at]}@{key[(at + 1)..].PadLeft(6, '0')}";
    }
}
