using RecoGrid.Training.Data;

namespace RecoGrid.Training.Models;

/// <summary>iALS behind the evaluation interface: users are always folded in from their known items.</summary>
public sealed class IalsRecommender(IalsOptions options) : IRecommenderModel
{
    private const int StackLimitFactors = 256;
    private IalsModel? _model;

    /// <inheritdoc />
    public string Name { get; init; } = "ials";

    /// <summary>The options used by <see cref="Fit"/>.</summary>
    public IalsOptions Options { get; } = options;

    /// <summary>The trained model, after <see cref="Fit"/>.</summary>
    public IalsModel Model => _model ?? throw new InvalidOperationException("Call Fit first.");

    /// <summary>Progress callback forwarded to <see cref="IalsModel.Fit"/>.</summary>
    public Action<IterationReport>? Progress { get; init; }

    /// <summary>Where <see cref="Fit"/> trains; in this process unless set.</summary>
    public IIalsFactorizer Factorizer { get; init; } = LocalIalsFactorizer.Instance;

    /// <inheritdoc />
    public void Fit(CsrMatrix trainUserItems, CancellationToken ct = default)
    {
        var model = Factorizer.Fit(trainUserItems, Options, Progress, ct);

        // Built now, so concurrent Score calls share one fold-in instead of racing to build it.
        _ = model.FoldIn;
        _model = model;
    }

    /// <inheritdoc />
    public void Score(ReadOnlySpan<int> foldInItems, ReadOnlySpan<float> foldInValues, Span<float> scores)
    {
        var m = Model;
        var d = m.Factors;
        var user = d <= StackLimitFactors ? stackalloc float[d] : new float[d];
        m.FoldIn.SolveUser(foldInItems, foldInValues, user);
        FactorScores.ScoreAll(m.ItemFactors, d, user, scores);
    }
}
