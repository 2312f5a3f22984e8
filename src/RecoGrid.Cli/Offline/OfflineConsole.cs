using System.CommandLine;
using RecoGrid.Training.Artifacts;
using RecoGrid.Training.Data;
using Spectre.Console;

namespace RecoGrid.Cli.Offline;

/// <summary>Console output and error handling shared by the offline commands.</summary>
internal static class OfflineConsole
{
    /// <summary>Exit code for a failure the user can fix (bad input, bad option).</summary>
    public const int ExitFailure = 1;

    /// <summary>Exit code after Ctrl+C, as shells report SIGINT.</summary>
    public const int ExitCancelled = 130;

    private const int RedirectedWidth = 200;

    /// <summary>A Spectre console writing to the invocation's output (the terminal, or a test's writer).</summary>
    public static IAnsiConsole For(ParseResult parseResult)
    {
        var output = parseResult.InvocationConfiguration.Output;
        if (ReferenceEquals(output, Console.Out))
        {
            return AnsiConsole.Console;
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });

        // Redirected output is read by programs and logs: wrap late rather than at 80 columns.
        console.Profile.Width = RedirectedWidth;
        return console;
    }

    /// <summary>Runs a command body, turning expected failures into a one-line message on stderr and an exit code.</summary>
    public static async Task<int> RunAsync(ParseResult parseResult, CancellationToken cancellationToken, Func<IAnsiConsole, CancellationToken, Task<int>> body)
    {
        var error = parseResult.InvocationConfiguration.Error;
        try
        {
            return await body(For(parseResult), cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync("Cancelled.");
            return ExitCancelled;
        }
        catch (Exception e) when (e is OfflineUsageException or InteractionFormatException or ModelArtifactException
            or FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException
            or ArgumentException or NotSupportedException or IOException)
        {
            await error.WriteLineAsync("error: " + Clean(e));
            return ExitFailure;
        }
    }

    /// <summary>The first line of the message, without the "(Parameter 'x')" suffix argument exceptions append.</summary>
    private static string Clean(Exception e)
    {
        var message = e.Message.Split('\n')[0].TrimEnd('\r');
        return e is ArgumentException { ParamName: { } name }
            ? message.Replace($" (Parameter '{name}')", string.Empty, StringComparison.Ordinal)
            : message;
    }

    /// <summary>Loads an interaction file behind a progress bar of bytes read.</summary>
    public static async Task<InteractionData> LoadAsync(IAnsiConsole console, DataOptions dataOptions, ParseResult parseResult, CancellationToken cancellationToken)
    {
        var input = ExistingInput(dataOptions, parseResult);
        InteractionData? data = null;
        await ShowLoadAsync(console, input, async progress =>
        {
            var options = dataOptions.ToLoadOptions(parseResult, progress);
            data = await Task.Run(() => InteractionLoader.Load(input.FullName, options, cancellationToken), cancellationToken);
            return data.Statistics;
        });
        return data!;
    }

    /// <summary>The --input file; a usage error naming it when it does not exist.</summary>
    public static FileInfo ExistingInput(DataOptions dataOptions, ParseResult parseResult)
    {
        var input = parseResult.GetValue(dataOptions.Input)
            ?? throw new OfflineUsageException("--input is required: an interaction file (or, for `train`, --from-log with --data-dir).");
        return input.Exists ? input : throw new OfflineUsageException($"--input: '{input.FullName}' does not exist.");
    }

    /// <summary>
    /// Shows a progress bar of bytes read from <paramref name="input"/> while <paramref name="load"/> runs (it reports
    /// through the progress it is given), then one line on what the load read, dropped and kept.
    /// </summary>
    public static async Task ShowLoadAsync(IAnsiConsole console, FileInfo input, Func<IProgress<LoadProgress>, Task<InteractionStatistics>> load)
    {
        InteractionStatistics? statistics = null;
        await console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask($"Loading {Markup.Escape(input.Name)}", maxValue: Math.Max(1, input.Length));
                statistics = await load(new SynchronousProgress<LoadProgress>(p => task.Value = p.BytesRead));
                task.Value = task.MaxValue;
            });

        var s = statistics!;
        console.MarkupLine(
            $"Loaded [bold]{s.Users:N0}[/] users, [bold]{s.Items:N0}[/] items, [bold]{s.NonZeros:N0}[/] interactions " +
            $"(density {s.Density:P3}) from {s.RowsParsed:N0} rows; dropped {s.RowsBelowMinValue:N0} below min value, " +
            $"merged {s.DuplicatesMerged:N0} duplicates, filtered {s.UsersFiltered:N0} users and {s.ItemsFiltered:N0} items" +
            (s.BadLinesSkipped > 0 ? $", skipped {s.BadLinesSkipped:N0} bad lines." : "."));
    }

    /// <summary>Reports on the calling thread (unlike <see cref="Progress{T}"/>, which posts to a context).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
