using RecoGrid.Training.Models;

namespace RecoGrid.Training.Solvers;

/// <summary>How an iALS half-step solves its rows: dimension, objective constants, per-row solver and threads.</summary>
public sealed record IalsSolverSettings
{
    /// <summary>Latent dimension d of both sides.</summary>
    public required int Factors { get; init; }

    /// <summary>The objective's constants.</summary>
    public required IalsSolveParameters Parameters { get; init; }

    /// <summary>Per-row solver.</summary>
    public IalsSolver Solver { get; init; } = IalsSolver.ConjugateGradient;

    /// <summary>Conjugate-gradient steps per row (ignored by Cholesky).</summary>
    public int CgSteps { get; init; } = 3;

    /// <summary>Maximum worker threads. Results do not depend on it.</summary>
    public int Threads { get; init; } = 1;

    /// <summary>Throws with a message naming the offending setting.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Factors, 1, nameof(Factors));
        ArgumentOutOfRangeException.ThrowIfLessThan(Threads, 1, nameof(Threads));
        if (Solver == IalsSolver.ConjugateGradient)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(CgSteps, 1, nameof(CgSteps));
        }
        else if (Solver != IalsSolver.Cholesky)
        {
            throw new ArgumentOutOfRangeException(nameof(Solver), Solver, "Unknown IalsSolverSettings.Solver.");
        }
    }
}
