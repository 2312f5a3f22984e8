using RecoGrid.Training.Data;

namespace RecoGrid.Training.Models;

/// <summary>
/// Where an iALS factorization runs: in this process (<see cref="LocalIalsFactorizer"/>) or distributed over a
/// cluster. Every implementation starts from <see cref="IalsModel.InitialFactors"/> and runs the same half-steps, so
/// the factors agree up to the rounding of the Gram sums.
/// </summary>
public interface IIalsFactorizer
{
    /// <summary>Trains on a user × item matrix, like <see cref="IalsModel.Fit"/>.</summary>
    IalsModel Fit(CsrMatrix userItems, IalsOptions options, Action<IterationReport>? progress, CancellationToken ct);
}

/// <summary>The single-process reference: <see cref="IalsModel.Fit"/>.</summary>
public sealed class LocalIalsFactorizer : IIalsFactorizer
{
    /// <summary>The one instance.</summary>
    public static LocalIalsFactorizer Instance { get; } = new();

    /// <inheritdoc />
    public IalsModel Fit(CsrMatrix userItems, IalsOptions options, Action<IterationReport>? progress, CancellationToken ct) =>
        IalsModel.Fit(userItems, options, progress, ct);
}
