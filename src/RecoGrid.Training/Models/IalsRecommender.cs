using RecoGrid.Training.Data;
using RecoGrid.Training.Solvers;

namespace RecoGrid.Training.Models;

/// <summary>iALS behind the evaluation interface: users are always folded in from their known items.</summary>
public sealed class IalsRecommender(IalsOptions options) : IRecommenderModel
{
    private const int StackLimitFactors = 256;
    private IalsModel? _model;
    private float[] _gram = [];

    /// <inheritdoc />
    public string Name { get; init; } = "ials";

    /// <summary>The options used by <see cref="Fit"/>.</summary>
    public IalsOptions Options { get; } = options;

    /// <summary>The trained model, after <see cref="Fit"/>.</summary>
    public IalsModel Model => _model ?? throw new InvalidOperationException("Call Fit first.");

    /// <summary>Progress callback forwarded to <see cref="IalsModel.Fit"/>.</summary>
    public Action<IterationReport>? Progress { get; init; }

    /// <inheritdoc />
    public void Fit(CsrMatrix trainUserItems, CancellationToken ct = default)
    {
        _model = IalsModel.Fit(trainUserItems, Options, Progress, ct);
        _gram = _model.ItemGram();
    }

    /// <inheritdoc />
    public void Score(ReadOnlySpan<int> foldInItems, ReadOnlySpan<float> foldInValues, Span<float> scores)
    {
        var m = Model;
        var d = m.Factors;
        var user = d <= StackLimitFactors ? stackalloc float[d] : new float[d];
        FoldIn.SolveUser(m.ItemFactors, d, _gram, foldInItems, foldInValues, Options.Alpha, Options.Lambda, Options.RegularizationExponent, user);
        FactorScores.ScoreAll(m.ItemFactors, d, user, scores);
    }
}
