namespace RecoGrid.Training.Data;

/// <summary>The field separator of a delimited interaction file.</summary>
public enum FieldSeparator
{
    /// <summary>Detected from the first line: tab, then <c>::</c>, then comma, else runs of whitespace.</summary>
    Auto,

    /// <summary>A single tab.</summary>
    Tab,

    /// <summary>A single comma.</summary>
    Comma,

    /// <summary>The MovieLens <c>::</c> separator.</summary>
    DoubleColon,

    /// <summary>One or more spaces or tabs.</summary>
    Whitespace,
}

/// <summary>How <see cref="InteractionLoader"/> reads, weights and filters a delimited interaction file.</summary>
public sealed class InteractionLoadOptions
{
    /// <summary>Default zero-based position of the user column.</summary>
    public const string DefaultUserColumn = "0";

    /// <summary>Default zero-based position of the item column.</summary>
    public const string DefaultItemColumn = "1";

    /// <summary>The field separator; <see cref="FieldSeparator.Auto"/> detects it from the first line.</summary>
    public FieldSeparator Separator { get; set; } = FieldSeparator.Auto;

    /// <summary>Whether the first line is a header; null detects it (a non-numeric field where the next line has a number).</summary>
    public bool? HasHeader { get; set; }

    /// <summary>The user column: a header name (case-insensitive) or a zero-based position.</summary>
    public string UserColumn { get; set; } = DefaultUserColumn;

    /// <summary>The item column: a header name (case-insensitive) or a zero-based position.</summary>
    public string ItemColumn { get; set; } = DefaultItemColumn;

    /// <summary>The value column: a name or position; null means position 2 when the file has a third field, else every row weighs 1.</summary>
    public string? ValueColumn { get; set; }

    /// <summary>The timestamp column: a name or position; null means position 3 when the file has a fourth field.</summary>
    public string? TimeColumn { get; set; }

    /// <summary>An optional column holding an event type name; each row's weight is multiplied by <see cref="EventWeights"/>[type].</summary>
    public string? EventColumn { get; set; }

    /// <summary>Weight of each event type (case-insensitive) when <see cref="EventColumn"/> is set; an unknown type is a bad line.</summary>
    public IReadOnlyDictionary<string, float>? EventWeights { get; set; }

    /// <summary>Rows whose value is at least this are positives; the rest are dropped. Null keeps every row.</summary>
    public float? MinValue { get; set; }

    /// <summary>With <see cref="MinValue"/> set, keep the value as the weight instead of binarizing positives to 1.</summary>
    public bool KeepValues { get; set; }

    /// <summary>Users with fewer distinct items than this (after thresholding and merging duplicates) are dropped.</summary>
    public int MinUserInteractions { get; set; }

    /// <summary>Items with fewer distinct users than this (after the user filter) are dropped.</summary>
    public int MinItemUsers { get; set; }

    /// <summary>Repeat the user and item filters until neither removes anything, instead of one pass of each.</summary>
    public bool FilterToFixedPoint { get; set; }

    /// <summary>Skip and count malformed lines instead of failing on the first.</summary>
    public bool SkipBadLines { get; set; }

    /// <summary>Receives bytes read against the file length, every few megabytes and once at the end of parsing.</summary>
    public IProgress<LoadProgress>? Progress { get; set; }

    /// <summary>The filters of these options, shared with sources other than files.</summary>
    public InteractionFilters Filters => new()
    {
        MinValue = MinValue,
        KeepValues = KeepValues,
        MinUserInteractions = MinUserInteractions,
        MinItemUsers = MinItemUsers,
        FilterToFixedPoint = FilterToFixedPoint,
    };

    /// <summary>Checks settings that do not depend on the file; messages name the setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(UserColumn))
        {
            throw new ArgumentException("UserColumn must name a column or give a position.", nameof(UserColumn));
        }

        if (string.IsNullOrWhiteSpace(ItemColumn))
        {
            throw new ArgumentException("ItemColumn must name a column or give a position.", nameof(ItemColumn));
        }

        Filters.Validate();

        if (EventColumn is not null && (EventWeights is null || EventWeights.Count == 0))
        {
            throw new ArgumentException("EventColumn is set, so EventWeights must map at least one event type to a weight.", nameof(EventWeights));
        }
    }
}

/// <summary>Progress of a load: bytes consumed of the file's length, and lines seen so far.</summary>
public readonly record struct LoadProgress(long BytesRead, long TotalBytes, long Lines);
