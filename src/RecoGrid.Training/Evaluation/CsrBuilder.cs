using RecoGrid.Training.Data;

namespace RecoGrid.Training.Evaluation;

/// <summary>Builds a CSR matrix row by row; each row's entries are sorted by column on the way in.</summary>
internal sealed class CsrBuilder(int columns)
{
    private readonly List<int> _pointers = [0];
    private readonly List<int> _indices = [];
    private readonly List<float> _values = [];

    public int Rows => _pointers.Count - 1;

    /// <summary>Appends a row from (column, value) pairs, sorting them by column.</summary>
    public void AddRow(List<(int Column, float Value)> entries)
    {
        entries.Sort((x, y) => x.Column.CompareTo(y.Column));
        foreach (var (column, value) in entries)
        {
            _indices.Add(column);
            _values.Add(value);
        }

        _pointers.Add(_indices.Count);
    }

    /// <summary>Appends a row whose columns are already sorted.</summary>
    public void AddSortedRow(ReadOnlySpan<int> columnIndices, ReadOnlySpan<float> rowValues)
    {
        for (var k = 0; k < columnIndices.Length; k++)
        {
            _indices.Add(columnIndices[k]);
            _values.Add(rowValues[k]);
        }

        _pointers.Add(_indices.Count);
    }

    public CsrMatrix Build() => new(Rows, columns, [.. _pointers], [.. _indices], [.. _values]);
}
