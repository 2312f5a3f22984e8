using System.Globalization;

namespace RecoGrid.Training.Data;

/// <summary>
/// Parses lines one at a time into an <see cref="InteractionAccumulator"/>. The first non-blank line is held until the
/// second arrives, so the separator, header and column positions can be decided from both.
/// </summary>
internal sealed class InteractionLineParser
{
    private const int None = -1;

    private static readonly HashSet<string> UsualColumnNames =
    [
        "user", "userid", "users", "uid", "customer", "customerid", "visitorid", "sessionid",
        "item", "itemid", "items", "iid", "movie", "movieid", "product", "productid", "track", "trackid",
        "value", "rating", "score", "count", "weight", "timestamp", "time", "date", "datetime", "event", "eventtype",
    ];

    private readonly string _path;
    private readonly InteractionLoadOptions _options;
    private readonly Dictionary<string, float>.AlternateLookup<ReadOnlySpan<char>> _eventWeights;
    private InteractionAccumulator? _rows;
    private string? _pendingLine;
    private long _pendingLineNumber;
    private FieldSeparator _separator;
    private int _userColumn;
    private int _itemColumn;
    private int _valueColumn = None;
    private int _timeColumn = None;
    private int _eventColumn = None;
    private int _minFields;
    private long _lines;
    private long _badLines;

    public InteractionLineParser(string path, InteractionLoadOptions options)
    {
        _path = path;
        _options = options;
        var weights = new Dictionary<string, float>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, weight) in options.EventWeights ?? new Dictionary<string, float>())
        {
            weights[name] = weight;
        }

        _eventWeights = weights.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public void Accept(ReadOnlySpan<char> line, long lineNumber)
    {
        _lines = lineNumber;
        if (line.IsWhiteSpace())
        {
            return;
        }

        if (_rows is not null)
        {
            ParseRow(line, lineNumber);
            return;
        }

        if (_pendingLine is null)
        {
            _pendingLine = line.ToString();
            _pendingLineNumber = lineNumber;
            return;
        }

        var isHeader = ResolveLayout(_pendingLine, line);
        if (!isHeader)
        {
            ParseRow(_pendingLine, _pendingLineNumber);
        }

        _pendingLine = null;
        ParseRow(line, lineNumber);
    }

    public void Finish(long lines)
    {
        _lines = lines;
        if (_rows is null && _pendingLine is not null)
        {
            if (!ResolveLayout(_pendingLine, default))
            {
                ParseRow(_pendingLine, _pendingLineNumber);
            }
        }
    }

    public InteractionData Build(CancellationToken cancellationToken) =>
        (_rows ?? new InteractionAccumulator(_options.Filters, withTimestamps: false)).Build(_path, _lines, _badLines, cancellationToken);

    /// <summary>Decides separator, header and columns; returns whether <paramref name="first"/> is a header.</summary>
    private bool ResolveLayout(string first, ReadOnlySpan<char> second)
    {
        _separator = _options.Separator == FieldSeparator.Auto ? DelimitedFormat.Detect(first) : _options.Separator;
        Span<Range> firstFields = stackalloc Range[64];
        Span<Range> secondFields = stackalloc Range[64];
        var firstCount = DelimitedFormat.Split(first, _separator, firstFields);
        var secondCount = second.IsEmpty ? 0 : DelimitedFormat.Split(second, _separator, secondFields);
        var named = IsName(_options.UserColumn) || IsName(_options.ItemColumn) || IsName(_options.ValueColumn)
            || IsName(_options.TimeColumn) || IsName(_options.EventColumn);
        var isHeader = _options.HasHeader ?? (named || LooksLikeHeader(first, firstFields[..firstCount], second, secondFields[..secondCount]));
        string[] header = [];
        if (isHeader)
        {
            header = new string[firstCount];
            for (var j = 0; j < firstCount; j++)
            {
                header[j] = DelimitedFormat.Unquote(first.AsSpan()[firstFields[j]]).ToString();
            }
        }

        _userColumn = Resolve(_options.UserColumn, header, "user");
        _itemColumn = Resolve(_options.ItemColumn, header, "item");
        _eventColumn = _options.EventColumn is null ? None : Resolve(_options.EventColumn, header, "event");
        _valueColumn = ResolveOptional(_options.ValueColumn, header, "value", 2, firstCount);
        _timeColumn = ResolveOptional(_options.TimeColumn, header, "time", 3, firstCount);
        if (_options.MinValue is not null && _valueColumn == None)
        {
            throw new InteractionFormatException(_path, 0, "a minimum value is set but the file has no value column (give one by name or position).");
        }

        _minFields = Math.Max(Math.Max(_userColumn, _itemColumn), Math.Max(_valueColumn, Math.Max(_timeColumn, _eventColumn))) + 1;
        _rows = new InteractionAccumulator(_options.Filters, _timeColumn != None);
        return isHeader;
    }

    private static bool LooksLikeHeader(string first, ReadOnlySpan<Range> firstFields, ReadOnlySpan<char> second, ReadOnlySpan<Range> secondFields)
    {
        // String ids defeat the numeric test below, so a usual column name also marks a header.
        foreach (var field in firstFields)
        {
            if (IsUsualColumnName(DelimitedFormat.Unquote(first.AsSpan()[field])))
            {
                return true;
            }
        }

        if (second.IsEmpty)
        {
            // A lone line: a header only if a value or time position holds a word.
            for (var j = 2; j < firstFields.Length; j++)
            {
                if (!DelimitedFormat.IsNumber(first.AsSpan()[firstFields[j]]))
                {
                    return true;
                }
            }

            return false;
        }

        var shared = Math.Min(firstFields.Length, secondFields.Length);
        for (var j = 0; j < shared; j++)
        {
            if (!DelimitedFormat.IsNumber(first.AsSpan()[firstFields[j]]) && DelimitedFormat.IsNumber(second[secondFields[j]]))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsUsualColumnName(ReadOnlySpan<char> field)
    {
        Span<char> folded = stackalloc char[24];
        var length = 0;
        foreach (var c in field)
        {
            if (c is '_' or '-' or ' ')
            {
                continue;
            }

            if (length == folded.Length)
            {
                return false;
            }

            folded[length++] = char.ToLowerInvariant(c);
        }

        return UsualColumnNames.Contains(folded[..length].ToString());
    }

    private static bool IsName(string? column) =>
        column is not null && !IsNone(column) && !int.TryParse(column, NumberStyles.None, CultureInfo.InvariantCulture, out _);

    private static bool IsNone(string column) => column.Equals("none", StringComparison.OrdinalIgnoreCase) || column.Length == 0;

    private int Resolve(string column, string[] header, string role)
    {
        if (int.TryParse(column, NumberStyles.None, CultureInfo.InvariantCulture, out var position))
        {
            return position;
        }

        var index = Array.FindIndex(header, h => h.Equals(column.Trim(), StringComparison.OrdinalIgnoreCase));
        if (index < 0)
        {
            var reason = header.Length == 0
                ? $"the {role} column '{column}' is a name but the file has no header; give a zero-based position instead."
                : $"no {role} column named '{column}' in the header ({string.Join(", ", header)}).";
            throw new InteractionFormatException(_path, 1, reason);
        }

        return index;
    }

    private int ResolveOptional(string? column, string[] header, string role, int defaultPosition, int fieldCount)
    {
        if (column is not null)
        {
            return IsNone(column) ? None : Resolve(column, header, role);
        }

        var taken = defaultPosition == _userColumn || defaultPosition == _itemColumn || defaultPosition == _eventColumn
            || defaultPosition == _valueColumn;
        return !taken && fieldCount > defaultPosition ? defaultPosition : None;
    }

    private void ParseRow(ReadOnlySpan<char> line, long lineNumber)
    {
        Span<Range> fields = stackalloc Range[_minFields + 1];
        var count = DelimitedFormat.Split(line, _separator, fields);
        if (count < _minFields)
        {
            Bad(lineNumber, $"expected at least {_minFields} {DelimitedFormat.Describe(_separator)}-separated fields, found {count}.");
            return;
        }

        var user = DelimitedFormat.Unquote(line[fields[_userColumn]]);
        var item = DelimitedFormat.Unquote(line[fields[_itemColumn]]);
        if (user.IsEmpty || item.IsEmpty)
        {
            Bad(lineNumber, user.IsEmpty ? "the user id is empty." : "the item id is empty.");
            return;
        }

        var weight = 1f;
        if (_valueColumn != None)
        {
            if (!DelimitedFormat.TryParseValue(line[fields[_valueColumn]], out var value))
            {
                Bad(lineNumber, $"the value '{line[fields[_valueColumn]]}' is not a finite number.");
                return;
            }

            weight = value;
        }

        long timestamp = 0;
        if (_timeColumn != None && !DelimitedFormat.TryParseTimestamp(line[fields[_timeColumn]], out timestamp))
        {
            Bad(lineNumber, $"the timestamp '{line[fields[_timeColumn]]}' is neither a number of seconds nor a date.");
            return;
        }

        var eventWeight = 1f;
        if (_eventColumn != None)
        {
            var eventType = DelimitedFormat.Unquote(line[fields[_eventColumn]]);
            if (!_eventWeights.TryGetValue(eventType, out eventWeight))
            {
                Bad(lineNumber, $"the event type '{eventType}' has no weight.");
                return;
            }
        }

        _rows!.Add(user, item, weight, timestamp, eventWeight);
    }

    private void Bad(long lineNumber, string reason)
    {
        if (!_options.SkipBadLines)
        {
            throw new InteractionFormatException(_path, lineNumber, reason);
        }

        _badLines++;
    }
}
