using System.CommandLine;
using System.Globalization;
using RecoGrid.Scoring.Retrieval;
using RecoGrid.Server;
using RecoGrid.Server.Models;
using RecoGrid.Storage.Models;
using RecoGrid.Training.Artifacts;
using Spectre.Console;

namespace RecoGrid.Cli.Commands;

/// <summary>`recogrid models add|list|promote|rollback`: the model registry of a data folder.</summary>
internal static class ModelsCommand
{
    public static Command Create()
    {
        var dataDir = new Option<string>("--data-dir")
        {
            Description = "The data folder whose registry to use (the same as `recogrid serve --data-dir`); a running server picks changes up within seconds.",
            DefaultValueFactory = _ => NodeOptions.DefaultDataDir,
            Recursive = true,
        };
        var command = new Command("models", "Manage model versions: register artifacts from `recogrid train`, promote one to serve, roll back.") { dataDir };

        var artifact = new Argument<string>("DIR") { Description = "A model artifact folder written by `recogrid train --out DIR`." };
        var promoteAfter = new Option<bool>("--promote") { Description = "Promote the new version right away." };
        var defaults = AnnIndexParameters.Default;
        var noAnn = new Option<bool>("--no-ann") { Description = "Build no ANN index: the version is always scored exactly (full catalogue)." };
        var annConnectivity = new Option<int>("--ann-connectivity") { Description = "HNSW M: links per node (twice as many on the base layer).", DefaultValueFactory = _ => defaults.Connectivity };
        var annExpansionAdd = new Option<int>("--ann-expansion-add") { Description = "HNSW efConstruction: build quality vs build time.", DefaultValueFactory = _ => defaults.ExpansionAdd };
        var annExpansionSearch = new Option<int>("--ann-expansion-search") { Description = "HNSW efSearch recorded with the version (Scoring:AnnExpansion overrides it when serving).", DefaultValueFactory = _ => defaults.ExpansionSearch };
        var annMetric = new Option<string>("--ann-metric") { Description = $"{AnnIndexParameters.AugmentedL2} (inner product reduced to nearest neighbours) or {AnnIndexParameters.InnerProduct}.", DefaultValueFactory = _ => defaults.Metric };
        var annQuantization = new Option<string>("--ann-quantization") { Description = "Vectors in the index: f32, f16 (half the memory, lower recall) or bf16.", DefaultValueFactory = _ => defaults.Quantization };
        var add = new Command("add", "Register a training artifact: verify its checksums, copy it, export its ONNX scoring models and build its ANN index (USearch HNSW) for two-stage retrieval.")
        {
            artifact, promoteAfter, noAnn, annConnectivity, annExpansionAdd, annExpansionSearch, annMetric, annQuantization,
        };
        add.SetAction(async (parse, ct) => await Run(async () =>
        {
            var registry = Registry(parse.GetValue(dataDir)!);
            AnnIndexParameters? ann = null;
            if (!parse.GetValue(noAnn))
            {
                ann = new AnnIndexParameters
                {
                    Connectivity = parse.GetValue(annConnectivity),
                    ExpansionAdd = parse.GetValue(annExpansionAdd),
                    ExpansionSearch = parse.GetValue(annExpansionSearch),
                    Metric = parse.GetValue(annMetric)!,
                    Quantization = parse.GetValue(annQuantization)!,
                };
                if (ann.Validate() is { Count: > 0 } errors)
                {
                    throw new ModelRegistryException("--ann-…: " + string.Join(" ", errors));
                }
            }

            ModelVersionInfo info = null!;
            await AnsiConsole.Progress()
                .AutoClear(true)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask("Registering", maxValue: 1);
                    var progress = new Progress<RegistrationProgress>(p =>
                    {
                        task.Description = p.Stage;
                        task.Value = p.Fraction;
                    });
                    info = await new ModelRegistration(registry).AddAsync(parse.GetValue(artifact)!, ann, progress, ct);
                    task.Value = 1;
                });
            AnsiConsole.MarkupLineInterpolated($"Registered [bold]{info.Version}[/]: {info.Items:N0} items, {info.Factors} factors, from {info.Source}.");
            if (info.AnnIndex is { } index)
            {
                AnsiConsole.MarkupLineInterpolated(
                    $"ANN index: {index.Metric}, M={index.Connectivity}, efConstruction={index.ExpansionAdd}, efSearch={index.ExpansionSearch}, {index.Quantization}; built in {index.BuildSeconds:F1} s, {index.FileBytes / 1e6:F0} MB ({(double)index.FileBytes / Math.Max(1, info.Items):F0} bytes per item).");
            }

            if (parse.GetValue(promoteAfter))
            {
                await registry.PromoteAsync(info.Version, ct);
                AnsiConsole.MarkupLineInterpolated($"Promoted [bold]{info.Version}[/].");
            }
        }));

        var list = new Command("list", "List registered versions; the promoted one is marked.");
        list.SetAction(async (parse, ct) => await Run(async () =>
        {
            var state = await Registry(parse.GetValue(dataDir)!).GetAsync(ct);
            if (state.Versions.Count == 0)
            {
                AnsiConsole.WriteLine("No model versions yet. Train one with `recogrid train --input FILE --out DIR`, then `recogrid models add DIR`.");
                return;
            }

            var table = new Table().AddColumns("version", "active", "items", "factors", "added", "source", "metrics");
            foreach (var v in state.Versions)
            {
                var metrics = v.Metrics is null ? "" : string.Join(", ", v.Metrics.Select(m => $"{m.Key}={m.Value.ToString("F3", CultureInfo.InvariantCulture)}"));
                table.AddRow(
                    Markup.Escape(v.Version), v.Version == state.Active ? "[green]*[/]" : "",
                    v.Items.ToString("N0", CultureInfo.InvariantCulture), v.Factors.ToString(CultureInfo.InvariantCulture),
                    v.AddedAt.ToString("u", CultureInfo.InvariantCulture), Markup.Escape(v.Source ?? ""), Markup.Escape(metrics));
            }

            AnsiConsole.Write(table);
        }));

        var version = new Argument<string>("VERSION") { Description = "A version from `recogrid models list`, e.g. v3." };
        var promote = new Command("promote", "Make VERSION the served model; running silos swap to it within seconds.") { version };
        promote.SetAction(async (parse, ct) => await Run(async () =>
        {
            var state = await Registry(parse.GetValue(dataDir)!).PromoteAsync(parse.GetValue(version)!, ct);
            AnsiConsole.MarkupLineInterpolated($"Promoted [bold]{state.Active}[/].");
        }));

        var rollback = new Command("rollback", "Re-promote the version that was active before the current one.");
        rollback.SetAction(async (parse, ct) => await Run(async () =>
        {
            var state = await Registry(parse.GetValue(dataDir)!).RollbackAsync(ct);
            AnsiConsole.MarkupLineInterpolated($"Rolled back: [bold]{state.Active}[/] is active again.");
        }));

        command.Subcommands.Add(ModelsHistoryCommand.Create(dataDir));
        command.Subcommands.Add(add);
        command.Subcommands.Add(list);
        command.Subcommands.Add(promote);
        command.Subcommands.Add(rollback);
        return command;
    }

    // The data folder's registry, or the cluster's when RECOGRID__ settings say so (RECOGRID__Storage__Provider=azure, ...).
    private static IModelRegistry Registry(string dataDir) => ModelServingExtensions.CreateModelRegistry(EnvironmentConfiguration(), dataDir);

    /// <summary>The RECOGRID__ environment variables, as a node reads them, for commands that reach a cluster's stores.</summary>
    internal static ConfigurationManager EnvironmentConfiguration()
    {
        var configuration = new ConfigurationManager();
        configuration.AddEnvironmentVariables(prefix: "RECOGRID__");
        return configuration;
    }

    private static async Task<int> Run(Func<Task> action)
    {
        try
        {
            await action();
            return 0;
        }
        catch (Exception exception) when (exception is ModelRegistryException or ModelArtifactException or DirectoryNotFoundException or FileNotFoundException or Microsoft.Extensions.Options.OptionsValidationException)
        {
            await Console.Error.WriteLineAsync($"recogrid models: {exception.Message}");
            return 1;
        }
    }
}
