using RecoGrid.Server.Models;
using RecoGrid.Storage.Models;
using RecoGrid.Training.Artifacts;
using RecoGrid.Training.Data;
using RecoGrid.Training.Models;

namespace RecoGrid.Server.Retraining;

/// <summary>
/// The model serving now, as an <see cref="IRecommenderModel"/> over a new snapshot's item numbering, so it is scored
/// on exactly the held-out users the new model is: their known items are mapped by id (items it never saw are left
/// out of the fold-in), and items it does not know are never recommended.
/// </summary>
public sealed class ServingModelBaseline : IRecommenderModel
{
    private const int StackLimitFactors = 256;
    private readonly IalsFoldIn _foldIn;
    private readonly int[] _servingIndex;

    private ServingModelBaseline(string version, IalsFoldIn foldIn, int[] servingIndex)
    {
        Version = version;
        _foldIn = foldIn;
        _servingIndex = servingIndex;
    }

    /// <inheritdoc />
    public string Name => "serving";

    /// <summary>The registry version.</summary>
    public string Version { get; }

    /// <summary>Loads the promoted version, or null when nothing is promoted.</summary>
    public static async Task<(string Version, ModelArtifact Artifact)?> LoadActiveAsync(IModelRegistry registry, CancellationToken cancellationToken)
    {
        var state = await registry.GetAsync(cancellationToken);
        if (state.Active is null)
        {
            return null;
        }

        var folder = await registry.MaterializeAsync(state.Active, cancellationToken);
        return (state.Active, ModelArtifact.Load(Path.Combine(folder, ModelRegistration.Training), verifyChecksums: false));
    }

    /// <summary>The baseline over <paramref name="data"/>'s items.</summary>
    public static ServingModelBaseline For(string version, ModelArtifact artifact, InteractionData data, int threads)
    {
        var byId = new Dictionary<string, int>(artifact.ItemIds.Count, StringComparer.Ordinal);
        for (var i = 0; i < artifact.ItemIds.Count; i++)
        {
            byId[artifact.ItemIds[i]] = i;
        }

        var index = new int[data.Items];
        for (var i = 0; i < index.Length; i++)
        {
            index[i] = byId.GetValueOrDefault(data.ItemIds[i], -1);
        }

        return new ServingModelBaseline(version, IalsFoldIn.FromArtifact(artifact, threads), index);
    }

    /// <inheritdoc />
    public void Fit(CsrMatrix trainUserItems, CancellationToken ct = default) =>
        throw new NotSupportedException("The serving model is already trained; it is only scored.");

    /// <inheritdoc />
    public void Score(ReadOnlySpan<int> foldInItems, ReadOnlySpan<float> foldInValues, Span<float> scores)
    {
        var known = new List<int>(foldInItems.Length);
        var weights = new List<float>(foldInItems.Length);
        for (var k = 0; k < foldInItems.Length; k++)
        {
            var serving = _servingIndex[foldInItems[k]];
            if (serving >= 0)
            {
                known.Add(serving);
                weights.Add(foldInValues[k]);
            }
        }

        var d = _foldIn.Factors;
        var user = d <= StackLimitFactors ? stackalloc float[d] : new float[d];
        _foldIn.SolveUser(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(known), System.Runtime.InteropServices.CollectionsMarshal.AsSpan(weights), user);
        var servingScores = new float[_foldIn.Items];
        FactorScores.ScoreAll(_foldIn.ItemFactors, d, user, servingScores);
        for (var i = 0; i < scores.Length; i++)
        {
            // NaN is never ranked: an item the serving model does not know cannot be recommended by it.
            var serving = _servingIndex[i];
            scores[i] = serving < 0 ? float.NaN : servingScores[serving];
        }
    }
}
