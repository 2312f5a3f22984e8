namespace RecoGrid.Training.Data;

/// <summary>
/// A sparse matrix in compressed sparse row form: row r's column indices are
/// <c>ColumnIndices[RowPointers[r]..RowPointers[r + 1]]</c>, sorted ascending, with matching <see cref="Values"/>.
/// Users are rows and items columns in the user × item orientation; <see cref="Transpose"/> gives the other.
/// </summary>
public sealed class CsrMatrix
{
    public CsrMatrix(int rows, int columns, int[] rowPointers, int[] columnIndices, float[] values)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if (rowPointers.Length != rows + 1)
        {
            throw new ArgumentException($"rowPointers must have rows + 1 = {rows + 1} entries, not {rowPointers.Length}.", nameof(rowPointers));
        }

        if (columnIndices.Length != values.Length || rowPointers[rows] != values.Length)
        {
            throw new ArgumentException("columnIndices, values and rowPointers[rows] must agree on the number of non-zeros.");
        }

        Rows = rows;
        Columns = columns;
        RowPointers = rowPointers;
        ColumnIndices = columnIndices;
        Values = values;
    }

    /// <summary>Number of rows.</summary>
    public int Rows { get; }

    /// <summary>Number of columns.</summary>
    public int Columns { get; }

    /// <summary>Row start offsets, length <see cref="Rows"/> + 1.</summary>
    public int[] RowPointers { get; }

    /// <summary>Column index of each non-zero, sorted within a row.</summary>
    public int[] ColumnIndices { get; }

    /// <summary>Value of each non-zero.</summary>
    public float[] Values { get; }

    /// <summary>Number of stored non-zeros.</summary>
    public int NonZeros => Values.Length;

    /// <summary>The column indices of row <paramref name="row"/>.</summary>
    public ReadOnlySpan<int> RowIndices(int row) =>
        ColumnIndices.AsSpan(RowPointers[row], RowPointers[row + 1] - RowPointers[row]);

    /// <summary>The values of row <paramref name="row"/>.</summary>
    public ReadOnlySpan<float> RowValues(int row) =>
        Values.AsSpan(RowPointers[row], RowPointers[row + 1] - RowPointers[row]);

    /// <summary>Number of non-zeros in row <paramref name="row"/>.</summary>
    public int RowLength(int row) => RowPointers[row + 1] - RowPointers[row];

    /// <summary>The transpose (items × users from users × items), built by a counting sort in O(nnz).</summary>
    public CsrMatrix Transpose()
    {
        var pointers = new int[Columns + 1];
        foreach (var c in ColumnIndices)
        {
            pointers[c + 1]++;
        }

        for (var c = 0; c < Columns; c++)
        {
            pointers[c + 1] += pointers[c];
        }

        var next = (int[])pointers.Clone();
        var indices = new int[NonZeros];
        var values = new float[NonZeros];
        for (var r = 0; r < Rows; r++)
        {
            for (var k = RowPointers[r]; k < RowPointers[r + 1]; k++)
            {
                var slot = next[ColumnIndices[k]]++;
                indices[slot] = r;
                values[slot] = Values[k];
            }
        }

        // Rows were visited in ascending order, so each transposed row is already sorted.
        return new CsrMatrix(Columns, Rows, pointers, indices, values);
    }
}
