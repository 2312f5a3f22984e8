using RecoGrid.Scoring;
using RecoGrid.Scoring.Hosting;
using RecoGrid.Scoring.Onnx;
using RecoGrid.Scoring.Retrieval;
using RecoGrid.Training.Data;
using RecoGrid.Training.Models;

namespace RecoGrid.Cli.Offline;

/// <summary>
/// iALS served through the two-stage path, for offline evaluation: the fitted item factors are exported and indexed as
/// `recogrid models add` does, and each user's fold-in vector is scored by the same <see cref="ScoringEngine"/> path a
/// scoring silo takes with <c>retrieval=ann</c> (ANN candidates, the user's known items excluded, ranked by the ONNX
/// candidate graph). Items outside the ranked list score −∞, so top-K metrics see exactly what users would get.
/// </summary>
internal sealed class TwoStageRecommender(IalsRecommender inner, int count, AnnIndexParameters? parameters = null, ScoringOptions? scoring = null) : IRecommenderModel, IDisposable
{
    private const string Version = "offline";
    private ScoringEngine? _engine;

    public string Name { get; init; } = "ials-ann";

    /// <summary>The fitted iALS model whose factors are served.</summary>
    public IalsRecommender Inner => inner;

    public void Fit(CsrMatrix trainUserItems, CancellationToken ct = default)
    {
        inner.Fit(trainUserItems, ct);
        Prepare();
    }

    /// <summary>Exports and indexes the inner model's current factors (after a fit done elsewhere).</summary>
    public void Prepare()
    {
        var model = inner.Model;
        var ids = Enumerable.Range(0, model.ItemFactors.Length / model.Factors).Select(i => "i" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        using var artifact = ItemFactorModelExporter.Export(Version, model.ItemFactors, model.Factors, ids);
        artifact.WithAnnIndex(AnnIndex.Build(model.ItemFactors, model.Factors, parameters ?? AnnIndexParameters.Default));
        var options = scoring ?? new ScoringOptions();
        options.AnnThreshold = 0;
        options.MaxBatchDelay = TimeSpan.Zero;
        var engine = new ScoringEngine(options);
        engine.LoadVersion(artifact);
        _engine?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _engine = engine;
    }

    public void Score(ReadOnlySpan<int> foldInItems, ReadOnlySpan<float> foldInValues, Span<float> scores)
    {
        var engine = _engine ?? throw new InvalidOperationException("Call Fit (or Prepare) first.");
        var user = new float[inner.Model.Factors];
        inner.Model.FoldIn.SolveUser(foldInItems, foldInValues, user);
        var result = engine.ScoreAsync(new ScoringRequest
        {
            ModelVersion = Version,
            UserVector = user,
            Count = count,
            ExcludeItemIndices = foldInItems.ToArray(),
            Retrieval = RetrievalMode.Ann,
        }).GetAwaiter().GetResult();
        scores.Fill(float.NegativeInfinity);
        foreach (var item in result.Items)
        {
            scores[item.Index] = item.Score;
        }
    }

    public void Dispose()
    {
        _engine?.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _engine = null;
    }
}
