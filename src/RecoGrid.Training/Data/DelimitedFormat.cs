using System.Globalization;

namespace RecoGrid.Training.Data;

/// <summary>Separator detection and field splitting for one line of a delimited file.</summary>
internal static class DelimitedFormat
{
    /// <summary>Picks the separator from a sample line: tab, then <c>::</c>, then comma, else whitespace.</summary>
    public static FieldSeparator Detect(ReadOnlySpan<char> line)
    {
        if (line.Contains('\t'))
        {
            return FieldSeparator.Tab;
        }

        if (line.Contains("::", StringComparison.Ordinal))
        {
            return FieldSeparator.DoubleColon;
        }

        return line.Contains(',') ? FieldSeparator.Comma : FieldSeparator.Whitespace;
    }

    /// <summary>
    /// Splits <paramref name="line"/> into at most <c>fields.Length</c> trimmed ranges (the last may hold the rest
    /// of the line) and returns how many were written.
    /// </summary>
    public static int Split(ReadOnlySpan<char> line, FieldSeparator separator, Span<Range> fields) => separator switch
    {
        FieldSeparator.Tab => line.Split(fields, '\t', StringSplitOptions.TrimEntries),
        FieldSeparator.Comma => line.Split(fields, ',', StringSplitOptions.TrimEntries),
        FieldSeparator.DoubleColon => line.Split(fields, "::", StringSplitOptions.TrimEntries),
        _ => line.SplitAny(fields, " \t", StringSplitOptions.RemoveEmptyEntries),
    };

    /// <summary>The field without one pair of surrounding double quotes.</summary>
    public static ReadOnlySpan<char> Unquote(ReadOnlySpan<char> field) =>
        field.Length >= 2 && field[0] == '"' && field[^1] == '"' ? field[1..^1] : field;

    public static bool TryParseValue(ReadOnlySpan<char> field, out float value) =>
        float.TryParse(Unquote(field), NumberStyles.Float, CultureInfo.InvariantCulture, out value) && float.IsFinite(value);

    /// <summary>Unix seconds as an integer, a decimal, or an ISO 8601 date (read as UTC).</summary>
    public static bool TryParseTimestamp(ReadOnlySpan<char> field, out long timestamp)
    {
        field = Unquote(field);
        if (long.TryParse(field, NumberStyles.Integer, CultureInfo.InvariantCulture, out timestamp))
        {
            return true;
        }

        if (double.TryParse(field, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds) && double.IsFinite(seconds))
        {
            timestamp = (long)seconds;
            return true;
        }

        if (DateTimeOffset.TryParse(field, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            timestamp = date.ToUnixTimeSeconds();
            return true;
        }

        timestamp = 0;
        return false;
    }

    public static bool IsNumber(ReadOnlySpan<char> field) =>
        double.TryParse(Unquote(field), NumberStyles.Float, CultureInfo.InvariantCulture, out _);

    public static string Describe(FieldSeparator separator) => separator switch
    {
        FieldSeparator.Tab => "tab",
        FieldSeparator.Comma => "comma",
        FieldSeparator.DoubleColon => "'::'",
        FieldSeparator.Whitespace => "whitespace",
        _ => "auto",
    };
}
