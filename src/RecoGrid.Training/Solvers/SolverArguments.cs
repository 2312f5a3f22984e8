using RecoGrid.Training.Data;

namespace RecoGrid.Training.Solvers;

/// <summary>Shape checks shared by the row solvers, so a mismatch fails loudly instead of reading out of bounds.</summary>
internal static class SolverArguments
{
    public static void Check(CsrMatrix interactions, float[] target, float[] fixedFactors, float[] fixedGram, int factors)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(factors, 1);
        if (target.Length < (long)interactions.Rows * factors)
        {
            throw new ArgumentException($"target needs {interactions.Rows} × {factors} entries.", nameof(target));
        }

        if (fixedFactors.Length < (long)interactions.Columns * factors)
        {
            throw new ArgumentException($"fixedFactors needs {interactions.Columns} × {factors} entries.", nameof(fixedFactors));
        }

        if (fixedGram.Length < factors * factors)
        {
            throw new ArgumentException($"fixedGram needs {factors} × {factors} entries.", nameof(fixedGram));
        }
    }
}
