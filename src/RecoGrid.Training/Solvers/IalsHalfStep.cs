using RecoGrid.Training.Data;
using RecoGrid.Training.Models;

namespace RecoGrid.Training.Solvers;

/// <summary>
/// One iALS half-step over a range of rows: each row's vector is solved against the other side's fixed factors and
/// their Gram matrix. Rows are independent, so a full pass can be split into ranges (threads here, or workers that
/// each solve a block against the summed Gram of <see cref="Linalg.GramMatrix.Partial"/>) with bit-identical results.
/// </summary>
public static class IalsHalfStep
{
    /// <summary>Solves every row of <paramref name="rows"/>; <paramref name="target"/> is rows × d.</summary>
    public static void Solve(
        CsrMatrix rows,
        float[] target,
        float[] fixedFactors,
        float[] fixedGram,
        IalsSolverSettings settings,
        CancellationToken ct = default) =>
        Solve(rows, 0, rows.Rows, target, fixedFactors, fixedGram, settings, ct);

    /// <summary>Solves rows [<paramref name="rowStart"/>, <paramref name="rowEnd"/>) of <paramref name="rows"/>.</summary>
    /// <param name="rows">Rows to solve for; columns index <paramref name="fixedFactors"/>.</param>
    /// <param name="target">
    /// The block's factors, (rowEnd − rowStart) × d row-major: row r is at (r − rowStart)·d. Its current values are the
    /// conjugate-gradient warm start; Cholesky ignores them. Overwritten.
    /// </param>
    /// <param name="fixedFactors">Row-major factors of the other side (columns × d).</param>
    /// <param name="fixedGram">YᵀY of all of <paramref name="fixedFactors"/>, d×d.</param>
    public static void Solve(
        CsrMatrix rows,
        int rowStart,
        int rowEnd,
        float[] target,
        float[] fixedFactors,
        float[] fixedGram,
        IalsSolverSettings settings,
        CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        SolverArguments.Check(rows, rowStart, rowEnd, target, fixedFactors, fixedGram, settings.Factors);
        if (settings.Solver == IalsSolver.Cholesky)
        {
            RowChunks.Update(
                new CholeskySolver(), rows, rowStart, rowEnd, target, fixedFactors, fixedGram, settings.Factors, settings.Parameters, settings.Threads, ct);
        }
        else
        {
            RowChunks.Update(
                new ConjugateGradientSolver(settings.CgSteps), rows, rowStart, rowEnd, target, fixedFactors, fixedGram, settings.Factors, settings.Parameters, settings.Threads, ct);
        }
    }
}
