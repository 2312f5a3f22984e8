using RecoGrid.Training.Data;

namespace RecoGrid.Training.Models;

/// <summary>Floating-point operation counts of one iALS iteration, so benchmarks can report GFLOP/s consistently.</summary>
public static class IalsCost
{
    /// <summary>
    /// Estimated flops (a multiply-add counts 2) of one iteration, both half-steps, excluding the optional loss.
    /// CG: per row and step (plus the initial residual) 2d² for YᵀY·p and 4d per interaction for (y·p)·y.
    /// Cholesky: d² per interaction for the rank-one updates, d³/3 for the factorization, 2d² for the solves.
    /// Both add the two Gram matrices (rows·d² each, upper triangle).
    /// </summary>
    public static double FlopsPerIteration(CsrMatrix userItems, IalsOptions options)
    {
        double d = options.Factors;
        double rows = userItems.Rows + (double)userItems.Columns;
        double interactions = 2.0 * userItems.NonZeros;
        var gram = rows * d * d;
        if (options.Solver == IalsSolver.Cholesky)
        {
            return gram + (interactions * ((d * d) + (2 * d))) + (rows * ((d * d * d / 3) + (2 * d * d)));
        }

        var passes = options.CgSteps + 1.0;
        return gram + (passes * ((rows * 2 * d * d) + (interactions * 4 * d)));
    }
}
