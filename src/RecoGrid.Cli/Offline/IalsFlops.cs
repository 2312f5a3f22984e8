using RecoGrid.Training.Models;

namespace RecoGrid.Cli.Offline;

/// <summary>
/// Floating-point operations of one iALS iteration (both half-steps), counting a multiply-add as 2 and leaving out
/// O(d) vector work. CG with s steps: per row (s + 1)·(2d² + 4d·nnz_row) for the Gram product and the sparse
/// correction; Cholesky: per non-zero d² for the rank-1 updates (symmetric half) and 2d for the right-hand side, per
/// row d³/3 + 2d² for the factorization and solves. Both add the two Gram matrices, d² per row (symmetric half).
/// </summary>
internal static class IalsFlops
{
    public static double PerIteration(IalsOptions options, long users, long items, long nonZeros)
    {
        double d = options.Factors;
        var rows = users + items;
        var gram = rows * d * d;
        if (options.Solver == IalsSolver.Cholesky)
        {
            return (2.0 * nonZeros * ((d * d) + (2 * d))) + (rows * ((d * d * d / 3) + (2 * d * d))) + gram;
        }

        return ((options.CgSteps + 1.0) * ((2.0 * d * d * rows) + (8.0 * d * nonZeros))) + gram;
    }
}
