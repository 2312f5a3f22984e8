using System.Text.Json.Nodes;
using RecoGrid.Training.Solvers;

namespace RecoGrid.Training.Models;

/// <summary>Which per-row solver an iALS half-step uses.</summary>
public enum IalsSolver
{
    /// <summary>A few warm-started conjugate-gradient steps per row (fast, inexact).</summary>
    ConjugateGradient,

    /// <summary>An exact Cholesky solve per row (O(d³) per row).</summary>
    Cholesky,
}

/// <summary>Hyper-parameters of implicit ALS (Hu, Koren and Volinsky 2008).</summary>
public sealed record IalsOptions
{
    /// <summary>Latent dimension d.</summary>
    public int Factors { get; init; } = 64;

    /// <summary>Number of full iterations (a user half-step followed by an item half-step).</summary>
    public int Iterations { get; init; } = 15;

    /// <summary>Confidence slope: c = 1 + Alpha·weight for observed pairs.</summary>
    public float Alpha { get; init; } = IalsSolveParameters.Default.Alpha;

    /// <summary>Base L2 regularization λ.</summary>
    public float Lambda { get; init; } = IalsSolveParameters.Default.Lambda;

    /// <summary>ν in λ_row = λ·(nnz_row + 1)^ν; 0 is plain λ. See <see cref="IalsSolveParameters"/>.</summary>
    public float RegularizationExponent { get; init; } = IalsSolveParameters.Default.RegularizationExponent;

    /// <summary>Per-row solver.</summary>
    public IalsSolver Solver { get; init; } = IalsSolver.ConjugateGradient;

    /// <summary>Conjugate-gradient steps per row and half-step (ignored by Cholesky).</summary>
    public int CgSteps { get; init; } = 3;

    /// <summary>Maximum worker threads. Results do not depend on it.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Seed of the factor initialization.</summary>
    public int Seed { get; init; } = 42;

    /// <summary>Whether to evaluate the training objective after every iteration (costs about one extra user pass).</summary>
    public bool ComputeLoss { get; init; } = true;

    /// <summary>Standard deviation of the normal initialization of the factors.</summary>
    public float InitScale { get; init; } = 0.01f;

    /// <summary>The solver constants derived from these options.</summary>
    public IalsSolveParameters SolveParameters => new(Alpha, Lambda, RegularizationExponent);

    /// <summary>What each half-step of <see cref="IalsModel.Fit"/> runs with.</summary>
    public IalsSolverSettings SolverSettings => new()
    {
        Factors = Factors,
        Parameters = SolveParameters,
        Solver = Solver,
        CgSteps = CgSteps,
        Threads = Threads,
    };

    /// <summary>The hyper-parameters as JSON, keyed like the options of <c>recogrid train</c> and its --config file.</summary>
    public JsonObject ToJson() => new()
    {
        ["model"] = "ials",
        ["factors"] = Factors,
        ["iterations"] = Iterations,
        ["alpha"] = Alpha,
        ["lambda"] = Lambda,
        ["reg_exponent"] = RegularizationExponent,
        ["solver"] = Solver == IalsSolver.Cholesky ? "cholesky" : "cg",
        ["cg_steps"] = CgSteps,
        ["threads"] = Threads,
        ["seed"] = Seed,
    };

    /// <summary>Throws with a message naming the offending setting.</summary>
    public void Validate()
    {
        if (Factors < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Factors), Factors, "IalsOptions.Factors must be at least 1.");
        }

        if (Iterations < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Iterations), Iterations, "IalsOptions.Iterations must not be negative.");
        }

        if (!(Alpha >= 0f) || float.IsInfinity(Alpha))
        {
            throw new ArgumentOutOfRangeException(nameof(Alpha), Alpha, "IalsOptions.Alpha must be a finite number ≥ 0.");
        }

        if (!(Lambda >= 0f) || float.IsInfinity(Lambda))
        {
            throw new ArgumentOutOfRangeException(nameof(Lambda), Lambda, "IalsOptions.Lambda must be a finite number ≥ 0.");
        }

        if (!float.IsFinite(RegularizationExponent))
        {
            throw new ArgumentOutOfRangeException(nameof(RegularizationExponent), RegularizationExponent, "IalsOptions.RegularizationExponent must be finite.");
        }

        if (Solver == IalsSolver.ConjugateGradient && CgSteps < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(CgSteps), CgSteps, "IalsOptions.CgSteps must be at least 1.");
        }

        if (Threads < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "IalsOptions.Threads must be at least 1.");
        }

        if (!(InitScale > 0f) || float.IsInfinity(InitScale))
        {
            throw new ArgumentOutOfRangeException(nameof(InitScale), InitScale, "IalsOptions.InitScale must be a finite number > 0.");
        }
    }
}

/// <summary>Progress after one iALS iteration.</summary>
/// <param name="Iteration">1-based iteration number.</param>
/// <param name="Seconds">Wall time of the iteration, excluding the loss evaluation.</param>
/// <param name="Loss">Normalized training objective (see <see cref="IalsLoss"/>), or null when not computed.</param>
public sealed record IterationReport(int Iteration, double Seconds, double? Loss);
