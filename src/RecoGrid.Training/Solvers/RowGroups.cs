using RecoGrid.Training.Data;

namespace RecoGrid.Training.Solvers;

/// <summary>
/// The order in which a CG half-step visits rows: short rows alone in index order, then long rows sorted by length
/// and taken four at a time, so that rows sharing most of their columns (popular items) stream each fixed-side vector
/// from memory once per group instead of once per row. Grouping changes no arithmetic: every row's sums run over its
/// own columns in ascending order either way.
/// </summary>
internal sealed class RowGroups
{
    public const int GroupSize = 4;
    private const int TargetChunks = 1024;

    private RowGroups(int[] order, int[] unitStarts, int[] chunkBounds)
    {
        Order = order;
        UnitStarts = unitStarts;
        ChunkBounds = chunkBounds;
    }

    /// <summary>A permutation of the rows.</summary>
    public int[] Order { get; }

    /// <summary>Unit u is <c>Order[UnitStarts[u]..UnitStarts[u + 1]]</c>: one row or a group of up to four.</summary>
    public int[] UnitStarts { get; }

    /// <summary>Chunk boundaries over units, balanced by work (nnz plus a per-row constant for the d² part).</summary>
    public int[] ChunkBounds { get; }

    /// <param name="minGroupedLength">Rows shorter than this are solved alone: grouping only pays on long rows.</param>
    public static RowGroups Create(CsrMatrix matrix, int factors, int minGroupedLength)
    {
        var rows = matrix.Rows;
        var order = new int[rows];
        var unitStarts = new List<int>(rows + 1) { 0 };
        var position = 0;
        var longRows = new List<int>();
        for (var r = 0; r < rows; r++)
        {
            if (matrix.RowLength(r) >= minGroupedLength)
            {
                longRows.Add(r);
                continue;
            }

            order[position++] = r;
            unitStarts.Add(position);
        }

        longRows.Sort((a, b) =>
        {
            var byLength = matrix.RowLength(b).CompareTo(matrix.RowLength(a));
            return byLength != 0 ? byLength : a.CompareTo(b);
        });
        for (var k = 0; k < longRows.Count; k++)
        {
            order[position++] = longRows[k];
            if ((k + 1) % GroupSize == 0 || k + 1 == longRows.Count)
            {
                unitStarts.Add(position);
            }
        }

        var perRow = Math.Max(1L, factors / 2);
        var target = Math.Max(1L, (matrix.NonZeros + (perRow * rows)) / TargetChunks);
        var chunkBounds = new List<int> { 0 };
        long work = 0;
        for (var u = 0; u + 1 < unitStarts.Count; u++)
        {
            for (var k = unitStarts[u]; k < unitStarts[u + 1]; k++)
            {
                work += matrix.RowLength(order[k]) + perRow;
            }

            if (work >= target)
            {
                chunkBounds.Add(u + 1);
                work = 0;
            }
        }

        if (chunkBounds[^1] != unitStarts.Count - 1)
        {
            chunkBounds.Add(unitStarts.Count - 1);
        }

        return new RowGroups(order, [.. unitStarts], [.. chunkBounds]);
    }
}
