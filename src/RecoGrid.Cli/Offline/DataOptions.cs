using System.CommandLine;
using System.Globalization;
using RecoGrid.Training.Data;

namespace RecoGrid.Cli.Offline;

/// <summary>The options shared by every command that reads an interaction file, and their mapping to the loader.</summary>
internal sealed class DataOptions
{
    public Option<FileInfo> Input { get; } = new("--input", "-i")
    {
        Description = "Interaction file: delimited lines of user,item[,value[,timestamp]] (tab, comma, '::' or whitespace).",
    };

    public Option<string> Separator { get; } = new("--separator")
    {
        Description = "Field separator: auto (detect from the first line), tab, comma, double-colon or whitespace.",
        DefaultValueFactory = _ => "auto",
    };

    public Option<string?> Header { get; } = new("--header")
    {
        Description = "Whether the first line is a header: auto (detect), yes or no. Column names imply yes.",
    };

    public Option<string> UserColumn { get; } = new("--user-column")
    {
        Description = "User column: a header name (e.g. userId) or a zero-based position.",
        DefaultValueFactory = _ => InteractionLoadOptions.DefaultUserColumn,
    };

    public Option<string> ItemColumn { get; } = new("--item-column")
    {
        Description = "Item column: a header name (e.g. movieId) or a zero-based position.",
        DefaultValueFactory = _ => InteractionLoadOptions.DefaultItemColumn,
    };

    public Option<string?> ValueColumn { get; } = new("--value-column")
    {
        Description = "Value column (rating, count): name or position; 'none' for none. Default: position 2 when present.",
    };

    public Option<string?> TimeColumn { get; } = new("--time-column")
    {
        Description = "Timestamp column (unix seconds or ISO date): name or position; 'none' for none. Default: position 3 when present.",
    };

    public Option<string?> EventColumn { get; } = new("--event-column")
    {
        Description = "Column with an event type name; each row's weight is multiplied by its --event-weights entry.",
    };

    public Option<string?> EventWeights { get; } = new("--event-weights")
    {
        Description = "Weights of event types, e.g. view=1,cart=3,purchase=10 (needs --event-column; unknown types are bad lines).",
    };

    public Option<float?> MinValue { get; } = new("--min-value")
    {
        Description = "Keep rows whose value is at least this as positives (weight 1 unless --keep-values) and drop the rest.",
    };

    public Option<bool> KeepValues { get; } = new("--keep-values")
    {
        Description = "With --min-value, weight positives by their value instead of 1.",
    };

    public Option<int> MinUserInteractions { get; } = new("--min-user-interactions")
    {
        Description = "Drop users with fewer distinct items than this, after --min-value and merging duplicates.",
        DefaultValueFactory = _ => 0,
    };

    public Option<int> MinItemUsers { get; } = new("--min-item-users")
    {
        Description = "Drop items with fewer distinct users than this, after the user filter (one pass of each).",
        DefaultValueFactory = _ => 0,
    };

    public Option<bool> FilterFixedPoint { get; } = new("--filter-fixed-point")
    {
        Description = "Repeat the user and item filters until neither removes anything, instead of one pass each.",
    };

    public Option<bool> SkipBadLines { get; } = new("--skip-bad-lines")
    {
        Description = "Skip and count malformed lines instead of stopping at the first one.",
    };

    public void AddTo(Command command)
    {
        Separator.AcceptOnlyFromAmong("auto", "tab", "comma", "double-colon", "whitespace");
        Header.AcceptOnlyFromAmong("auto", "yes", "no");
        foreach (var option in new Option[]
        {
            Input, Separator, Header, UserColumn, ItemColumn, ValueColumn, TimeColumn, EventColumn, EventWeights,
            MinValue, KeepValues, MinUserInteractions, MinItemUsers, FilterFixedPoint, SkipBadLines,
        })
        {
            command.Options.Add(option);
        }
    }

    public InteractionLoadOptions ToLoadOptions(ParseResult parseResult, IProgress<LoadProgress>? progress)
    {
        var options = new InteractionLoadOptions
        {
            Separator = parseResult.GetValue(Separator) switch
            {
                "tab" => FieldSeparator.Tab,
                "comma" => FieldSeparator.Comma,
                "double-colon" => FieldSeparator.DoubleColon,
                "whitespace" => FieldSeparator.Whitespace,
                _ => FieldSeparator.Auto,
            },
            HasHeader = parseResult.GetValue(Header) switch
            {
                "yes" => true,
                "no" => false,
                _ => null,
            },
            UserColumn = parseResult.GetValue(UserColumn)!,
            ItemColumn = parseResult.GetValue(ItemColumn)!,
            ValueColumn = parseResult.GetValue(ValueColumn),
            TimeColumn = parseResult.GetValue(TimeColumn),
            EventColumn = parseResult.GetValue(EventColumn),
            EventWeights = ParseWeights(parseResult.GetValue(EventWeights)),
            MinValue = parseResult.GetValue(MinValue),
            KeepValues = parseResult.GetValue(KeepValues),
            MinUserInteractions = parseResult.GetValue(MinUserInteractions),
            MinItemUsers = parseResult.GetValue(MinItemUsers),
            FilterToFixedPoint = parseResult.GetValue(FilterFixedPoint),
            SkipBadLines = parseResult.GetValue(SkipBadLines),
            Progress = progress,
        };
        if (options.EventWeights is not null && options.EventColumn is null)
        {
            throw new OfflineUsageException("--event-weights needs --event-column to say which column holds the event type.");
        }

        options.Validate();
        return options;
    }

    private static Dictionary<string, float>? ParseWeights(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var weights = new Dictionary<string, float>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var parts = pair.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2 || parts[0].Length == 0
                || !float.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out var weight))
            {
                throw new OfflineUsageException($"--event-weights: '{pair}' is not name=weight (e.g. view=1,purchase=10).");
            }

            weights[parts[0]] = weight;
        }

        return weights;
    }
}
