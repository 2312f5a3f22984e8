using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using RecoGrid.Cli.Offline;
using RecoGrid.Training.Evaluation;
using RecoGrid.Training.Tuning;
using Spectre.Console;

namespace RecoGrid.Cli.Commands;

/// <summary>`recogrid tune`: searches iALS hyper-parameters and writes the best as a config for `train --config`.</summary>
internal static class TuneCommand
{
    public static Command Create()
    {
        var data = new DataOptions();
        var ials = new IalsCliOptions();
        var defaults = new TuningOptions();
        var trials = new Option<int>("--trials") { Description = "Number of configurations to evaluate (the base configuration first).", DefaultValueFactory = _ => defaults.Trials };
        var metric = new Option<string>("--metric") { Description = "Validation metric to maximize, e.g. ndcg@100 or recall@20.", DefaultValueFactory = _ => defaults.Metric };
        var strategy = new Option<string>("--strategy")
        {
            Description = "random (factors from --search-factors, alpha and lambda log-uniform) or grid (alpha {1,10,40} × lambda {0.1,1,10}).",
            DefaultValueFactory = _ => "random",
        };
        var searchFactors = new Option<string>("--search-factors")
        {
            Description = "Comma-separated latent dimensions to try.",
            DefaultValueFactory = _ => string.Join(',', defaults.Factors),
        };
        var searchExponents = new Option<string>("--search-reg-exponents")
        {
            Description = "Comma-separated values of ν (frequency-scaled regularization, λ·(nnz + 1)^ν) to try; 0 is plain λ.",
            DefaultValueFactory = _ => string.Join(',', defaults.RegularizationExponents.Select(v => v.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        };
        var validationSeeds = new Option<int>("--validation-seeds") { Description = "Validation splits averaged per trial.", DefaultValueFactory = _ => defaults.ValidationSeeds };
        var splitSeed = new Option<int>("--split-seed") { Description = "Seed of the test and validation splits and of the random search.", DefaultValueFactory = _ => 0 };
        var heldOut = new Option<double>("--held-out-users")
        {
            Description = "Share of users set aside as test users before tuning (as `evaluate` holds out with the same --split-seed); 0 tunes on everyone.",
            DefaultValueFactory = _ => new EvaluationOptions().HeldOutUserFraction,
        };
        var output = new Option<FileInfo?>("--out", "-o") { Description = "Write the best configuration (and every trial) as JSON, usable as `recogrid train --config FILE`." };
        strategy.AcceptOnlyFromAmong("random", "grid");

        var command = new Command("tune", "Search iALS hyper-parameters on validation users and write the best configuration.");
        data.AddTo(command);
        ials.AddTo(command);
        foreach (var option in new Option[] { trials, metric, strategy, searchFactors, searchExponents, validationSeeds, splitSeed, heldOut, output })
        {
            command.Options.Add(option);
        }

        command.SetAction((parseResult, cancellationToken) => OfflineConsole.RunAsync(parseResult, cancellationToken, async (console, ct) =>
        {
            var baseOptions = ials.ToOptions(parseResult, computeLoss: false);
            var metricName = parseResult.GetValue(metric)!.Trim().ToLowerInvariant();
            var k = MetricK(metricName);
            var tuning = new TuningOptions
            {
                Trials = parseResult.GetValue(trials),
                Metric = metricName,
                Strategy = parseResult.GetValue(strategy) == "grid" ? SearchStrategy.Grid : SearchStrategy.Random,
                Factors = BenchTrainCommand.ParseList(parseResult.GetValue(searchFactors)!),
                Iterations = [baseOptions.Iterations],
                RegularizationExponents = [.. parseResult.GetValue(searchExponents)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                    .Select(v => float.Parse(v, System.Globalization.CultureInfo.InvariantCulture))],
                ValidationSeeds = parseResult.GetValue(validationSeeds),
                Seed = parseResult.GetValue(splitSeed),
                Ks = k == 20 ? [20] : [20, k],
            };
            try
            {
                tuning.Validate();
            }
            catch (ArgumentException e)
            {
                throw new OfflineUsageException(e.Message.Split(Environment.NewLine)[0]);
            }

            var loaded = await OfflineConsole.LoadAsync(console, data, parseResult, ct);
            var heldOutFraction = parseResult.GetValue(heldOut);
            var train = heldOutFraction > 0
                ? EvaluationSplits.StrongGeneralization(loaded.UserItems, tuning.Seed, heldOutFraction).Train
                : loaded.UserItems;
            console.MarkupLine($"Tuning on {train.Rows:N0} users ({(heldOutFraction > 0 ? $"{heldOutFraction:P0} set aside as test users" : "no test users set aside")}).");

            var table = new Table().AddColumns("trial", "factors", "alpha", "lambda", "ν", metricName);
            var count = 0;
            var bestScore = double.NegativeInfinity;
            TuningResult? result = null;
            await console.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new ElapsedTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask("Tuning", maxValue: tuning.Trials);
                    void OnTrial(TuningTrial trial)
                    {
                        count++;
                        bestScore = Math.Max(bestScore, trial.Score);
                        var o = trial.Options;
                        console.MarkupLine(Markup.Escape(
                            $"  trial {count,3}: factors {o.Factors}, alpha {o.Alpha:G4}, lambda {o.Lambda:G4}, ν {o.RegularizationExponent:G3} → {metricName} {trial.Score:F4}"));
                        table.AddRow(count.ToString(CultureInfo.InvariantCulture), o.Factors.ToString(CultureInfo.InvariantCulture), $"{o.Alpha:G4}", $"{o.Lambda:G4}", $"{o.RegularizationExponent:G3}", $"{trial.Score:F4}");
                        task.Description = $"Tuning: best {metricName} so far {bestScore:F4}";
                        task.Increment(1);
                    }

                    result = await Task.Run(() => IalsTuner.Tune(train, baseOptions, tuning, OnTrial, ct), ct);
                    task.Value = task.MaxValue;
                });

            var best = result!.Best;
            console.MarkupLine(Markup.Escape(
                $"Best {metricName} {result.BestScore:F4}: factors {best.Factors}, iterations {best.Iterations}, alpha {best.Alpha:G4}, lambda {best.Lambda:G4}, reg-exponent {best.RegularizationExponent:G3}."));

            if (parseResult.GetValue(output) is { } file)
            {
                var config = IalsCliOptions.ToJson(best);
                config.Remove("threads");
                config["metric"] = metricName;
                config["validation_score"] = result.BestScore;
                var trialsJson = new JsonArray();
                foreach (var trial in result.Trials)
                {
                    var entry = IalsCliOptions.ToJson(trial.Options);
                    entry.Remove("threads");
                    entry["score"] = trial.Score;
                    trialsJson.Add(entry);
                }

                // train --config reads the top-level keys; "trials" is the search log.
                config["trials"] = trialsJson;
                await RunMeasurements.WriteJsonAsync(file, config, ct);
                console.MarkupLine($"Wrote {Markup.Escape(file.FullName)}; use it with [bold]recogrid train --config {Markup.Escape(file.Name)}[/].");
            }

            return 0;
        }));
        return command;
    }

    private static int MetricK(string metric)
    {
        var at = metric.IndexOf('@', StringComparison.Ordinal);
        if (at < 0 || !int.TryParse(metric.AsSpan(at + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var k) || k < 1
            || !new[] { "recall", "ndcg", "map", "hitrate", "coverage" }.Contains(metric[..at]))
        {
            throw new OfflineUsageException($"--metric '{metric}' must look like ndcg@100 (recall, ndcg, map, hitrate or coverage at a K).");
        }

        return k;
    }
}
