using System.CommandLine;
using System.Globalization;
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
        var add = new Command("add", "Register a training artifact: verify its checksums, copy it and export its ONNX scoring models.") { artifact, promoteAfter };
        add.SetAction(async (parse, ct) => await Run(async () =>
        {
            var registry = Registry(parse.GetValue(dataDir)!);
            var info = await new ModelRegistration(registry).AddAsync(parse.GetValue(artifact)!, ct);
            AnsiConsole.MarkupLineInterpolated($"Registered [bold]{info.Version}[/]: {info.Items:N0} items, {info.Factors} factors, from {info.Source}.");
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
    private static IModelRegistry Registry(string dataDir)
    {
        var configuration = new ConfigurationManager();
        configuration.AddEnvironmentVariables(prefix: "RECOGRID__");
        return ModelServingExtensions.CreateModelRegistry(configuration, dataDir);
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
