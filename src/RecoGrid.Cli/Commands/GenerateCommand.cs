using System.CommandLine;
using RecoGrid.Cli.Offline;
using RecoGrid.Training.Synthetic;
using Spectre.Console;

namespace RecoGrid.Cli.Commands;

/// <summary>
/// `recogrid generate`: writes a synthetic interaction CSV with planted structure, or (<c>--artifact</c>) a model
/// artifact of planted factors for catalogues too large to train here (10 million items).
/// </summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var defaults = new SyntheticOptions();
        var users = new Option<int>("--users") { Description = "Number of users.", DefaultValueFactory = _ => defaults.Users };
        var items = new Option<int>("--items") { Description = "Number of items.", DefaultValueFactory = _ => defaults.Items };
        var interactions = new Option<long>("--interactions")
        {
            Description = "Total distinct (user, item) interactions; each user gets at least 5.",
            DefaultValueFactory = _ => defaults.Interactions,
        };
        var seed = new Option<long>("--seed") { Description = "Seed; the same options and seed give the same file.", DefaultValueFactory = _ => defaults.Seed };
        var shape = new Option<string?>("--shape")
        {
            Description = "A preset size: ml-20m (136,677 users, 20,108 items, 10.0M interactions). Explicit sizes override it.",
        };
        var clusters = new Option<int>("--clusters")
        {
            Description = "Number of planted taste clusters (the rank of the latent structure).",
            DefaultValueFactory = _ => SyntheticOptions.DefaultClusters,
        };
        var zipf = new Option<double>("--zipf")
        {
            Description = "Zipf exponent of item popularity.",
            DefaultValueFactory = _ => SyntheticOptions.DefaultZipfExponent,
        };
        var popularityMix = new Option<double>("--popularity-mix")
        {
            Description = "Share of each user's items drawn from global popularity rather than their tastes (0 to 1).",
            DefaultValueFactory = _ => SyntheticOptions.DefaultPopularityMix,
        };
        var output = new Option<FileInfo>("--out", "-o")
        {
            Description = "CSV file to write (header user,item,value,timestamp). Give this or --artifact.",
        };
        var artifact = new Option<DirectoryInfo>("--artifact")
        {
            Description = "Instead of interactions, write a model artifact of planted factors (clustered, norms scaled by Zipf popularity, "
                + "items item-0…, users user-0…) for `recogrid models add`; uses --items, --users, --factors, --clusters (default: about √items / 2), --zipf, --seed.",
        };
        var factors = new Option<int>("--factors") { Description = "With --artifact: factors per vector.", DefaultValueFactory = _ => 64 };

        var command = new Command("generate", "Generate a synthetic implicit-feedback CSV with planted latent structure and Zipf popularity, or a planted factor model (--artifact).");
        foreach (var option in new Option[] { users, items, interactions, seed, shape, clusters, zipf, popularityMix, output, artifact, factors })
        {
            command.Options.Add(option);
        }

        command.Validators.Add(result =>
        {
            if ((result.GetResult(output) is null) == (result.GetResult(artifact) is null))
            {
                result.AddError("Give exactly one of --out FILE (interactions) and --artifact DIR (planted factors).");
            }
        });

        command.SetAction((parseResult, cancellationToken) => OfflineConsole.RunAsync(parseResult, cancellationToken, async (console, ct) =>
        {
            if (parseResult.GetValue(artifact) is { } artifactDir)
            {
                return await WriteArtifactAsync(console, parseResult, artifactDir, users, items, factors, clusters, zipf, seed, ct);
            }

            var options = new SyntheticOptions();
            if (parseResult.GetValue(shape) is { } shapeName)
            {
                options = SyntheticOptions.ForShape(shapeName) ?? throw new OfflineUsageException($"--shape: unknown shape '{shapeName}'; known: ml-20m.");
            }

            options.Users = Explicit(parseResult, users) ? parseResult.GetValue(users) : options.Users;
            options.Items = Explicit(parseResult, items) ? parseResult.GetValue(items) : options.Items;
            options.Interactions = Explicit(parseResult, interactions) ? parseResult.GetValue(interactions) : options.Interactions;
            options.Seed = parseResult.GetValue(seed);
            options.Clusters = parseResult.GetValue(clusters);
            options.ZipfExponent = parseResult.GetValue(zipf);
            options.PopularityMix = parseResult.GetValue(popularityMix);
            try
            {
                options.Validate();
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw new OfflineUsageException(e.Message.Split(Environment.NewLine)[0]);
            }

            var file = parseResult.GetValue(output)!;

            await console.Progress()
                .AutoClear(true)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async context =>
                {
                    var task = context.AddTask($"Writing {Markup.Escape(file.Name)}", maxValue: options.Interactions);
                    var progress = new Progress(written => task.Value = written);
                    await Task.Run(() => SyntheticGenerator.WriteCsv(options, file.FullName, progress, ct), ct);
                    task.Value = task.MaxValue;
                });

            console.MarkupLine(
                $"Wrote [bold]{options.Interactions:N0}[/] interactions ({options.Users:N0} users, {options.Items:N0} items, seed {options.Seed}) to {Markup.Escape(file.FullName)}.");
            return 0;
        }));
        return command;
    }

    private static async Task<int> WriteArtifactAsync(
        IAnsiConsole console, ParseResult parseResult, DirectoryInfo directory, Option<int> users, Option<int> items, Option<int> factors,
        Option<int> clusters, Option<double> zipf, Option<long> seed, CancellationToken ct)
    {
        var options = new SyntheticFactorOptions
        {
            Items = parseResult.GetValue(items),
            Users = parseResult.GetValue(users),
            Factors = parseResult.GetValue(factors),
            Clusters = Explicit(parseResult, clusters) ? parseResult.GetValue(clusters) : 0,
            ZipfExponent = parseResult.GetValue(zipf),
            Seed = parseResult.GetValue(seed),
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentOutOfRangeException e)
        {
            throw new OfflineUsageException(e.Message.Split(Environment.NewLine)[0]);
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await console.Status().StartAsync($"Writing {options.Items:N0} × {options.Factors} planted item factors and {options.Users:N0} users…", _ =>
            Task.Run(() => new SyntheticFactors(options).WriteArtifact(directory.FullName), ct));
        console.MarkupLine(
            $"Wrote a planted model artifact ([bold]{options.Items:N0}[/] items, {options.Users:N0} users, {options.Factors} factors, {options.EffectiveClusters:N0} clusters, seed {options.Seed}) to {Markup.Escape(directory.FullName)} in {clock.Elapsed.TotalSeconds:F0} s. Register it with `recogrid models add {Markup.Escape(directory.FullName)} --promote`.");
        return 0;
    }

    private static bool Explicit<T>(ParseResult parseResult, Option<T> option) => parseResult.GetResult(option) is { Implicit: false };

    private sealed class Progress(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }
}
