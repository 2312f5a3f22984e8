using RecoGrid.Training.Data;

namespace RecoGrid.Training.Solvers;

/// <summary>Shape checks of a half-step, so a mismatch fails loudly instead of reading out of bounds.</summary>
internal static class SolverArguments
{
    public static void Check(CsrMatrix rows, int rowStart, int rowEnd, float[] target, float[] fixedFactors, float[] fixedGram, int factors)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(factors, 1);
        if (rowStart < 0 || rowEnd < rowStart || rowEnd > rows.Rows)
        {
            throw new ArgumentOutOfRangeException(nameof(rowStart), $"Row range [{rowStart}, {rowEnd}) is not within [0, {rows.Rows}].");
        }

        if (target.Length < (long)(rowEnd - rowStart) * factors)
        {
            throw new ArgumentException($"target needs {rowEnd - rowStart} × {factors} entries.", nameof(target));
        }

        if (fixedFactors.Length < (long)rows.Columns * factors)
        {
            throw new ArgumentException($"fixedFactors needs {rows.Columns} × {factors} entries.", nameof(fixedFactors));
        }

        if (fixedGram.Length < factors * factors)
        {
            throw new ArgumentException($"fixedGram needs {factors} × {factors} entries.", nameof(fixedGram));
        }
    }
}
