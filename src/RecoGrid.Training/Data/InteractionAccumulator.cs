namespace RecoGrid.Training.Data;

/// <summary>
/// Collects (user, item, weight, time) rows from any source, applying the value threshold as they arrive, and
/// assembles them into an <see cref="InteractionData"/> with the merge and the user and item filters. Files and
/// in-memory records go through this one path, so the same input gives the same matrix whatever its source.
/// </summary>
internal sealed class InteractionAccumulator(InteractionFilters filters, bool withTimestamps)
{
    private readonly IdMap _users = new();
    private readonly IdMap _items = new();
    private TripletBuffer? _rows = new(withTimestamps);
    private long _rowsParsed;
    private long _belowMinValue;

    /// <summary>Rows added so far, including those below the minimum value.</summary>
    public long RowsParsed => _rowsParsed;

    /// <summary>Adds one parsed row; <paramref name="weight"/> is the raw value the threshold reads.</summary>
    public void Add(ReadOnlySpan<char> user, ReadOnlySpan<char> item, float weight, long timestamp, float eventWeight = 1f)
    {
        var rows = _rows ?? throw new InvalidOperationException("Build was already called.");
        _rowsParsed++;
        if (filters.MinValue is { } minimum)
        {
            // The threshold reads the raw value; positives weigh 1 unless values are kept.
            if (weight < minimum)
            {
                _belowMinValue++;
                return;
            }

            if (!filters.KeepValues)
            {
                weight = 1f;
            }
        }

        rows.Add(_users.GetOrAdd(user), _items.GetOrAdd(item), weight * eventWeight, timestamp);
    }

    /// <summary>
    /// Merges, filters and numbers the rows. Throws <see cref="InteractionFormatException"/> naming
    /// <paramref name="source"/> when nothing is left.
    /// </summary>
    public InteractionData Build(string source, long lines, long badLines, CancellationToken cancellationToken)
    {
        var rows = _rows ?? throw new InvalidOperationException("Build was already called.");
        _rows = null;
        if (rows.Count == 0)
        {
            throw new InteractionFormatException(source, 0, _rowsParsed == 0
                ? "no interactions found (the file is empty, has only a header, or every line was skipped)."
                : $"no interactions left: all {_rowsParsed} rows were below the minimum value {filters.MinValue}.");
        }

        var assembled = CsrAssembler.Assemble(
            rows, _users.Count, _items.Count, filters.MinUserInteractions, filters.MinItemUsers, filters.FilterToFixedPoint, cancellationToken);
        var matrix = assembled.Matrix;
        if (matrix.NonZeros == 0)
        {
            throw new InteractionFormatException(source, 0,
                $"no interactions left after the filters (min user interactions {filters.MinUserInteractions}, min item users {filters.MinItemUsers}).");
        }

        var statistics = new InteractionStatistics
        {
            Lines = lines,
            BadLinesSkipped = badLines,
            RowsParsed = _rowsParsed,
            RowsBelowMinValue = _belowMinValue,
            DuplicatesMerged = assembled.DuplicatesMerged,
            UsersFiltered = assembled.UsersFiltered,
            ItemsFiltered = assembled.ItemsFiltered,
            Users = matrix.Rows,
            Items = matrix.Columns,
            NonZeros = matrix.NonZeros,
        };
        return new InteractionData(
            _users.Select(assembled.UserIndex, matrix.Rows),
            _items.Select(assembled.ItemIndex, matrix.Columns),
            matrix,
            assembled.Timestamps,
            statistics);
    }
}
