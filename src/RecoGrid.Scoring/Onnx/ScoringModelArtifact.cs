using RecoGrid.Scoring.Retrieval;

namespace RecoGrid.Scoring.Onnx;

/// <summary>
/// An exported model version: the top-K and candidate ONNX graphs, the item id map, the item factor tables the graphs
/// read (ONNX external data) and, when built, the version's ANN index. Holds one reference to the tables and the index;
/// models loaded from it take their own, so the artifact may be disposed once they are loaded.
/// </summary>
public sealed class ScoringModelArtifact : IDisposable
{
    /// <summary>File name of the full-catalogue top-K graph inside an artifact directory.</summary>
    public const string TopKFileName = "topk.onnx";

    /// <summary>File name of the candidate-list graph inside an artifact directory.</summary>
    public const string CandidatesFileName = "candidates.onnx";

    /// <summary>File name of the similar-items graph (cosine in factor space) inside an artifact directory.</summary>
    public const string SimilarFileName = "similar.onnx";

    /// <summary>Side file with one item id per line, in index order (also kept in the top-K model's metadata).</summary>
    public const string ItemIdsFileName = "item_ids.txt";

    /// <param name="tables">The factor tables the graphs read as external data; null for graphs with embedded factors.</param>
    /// <param name="similarModel">The similar-items graph; null when the artifact has none (it needs external factor tables).</param>
    public ScoringModelArtifact(string modelVersion, int factors, string[] itemIds, byte[] topKModel, byte[] candidateModel, ItemFactorTables? tables = null, AnnIndex? annIndex = null, byte[]? similarModel = null)
    {
        SimilarModel = tables is null ? null : similarModel;
        ModelVersion = modelVersion;
        Factors = factors;
        ItemIds = itemIds;
        TopKModel = topKModel;
        CandidateModel = candidateModel;
        Tables = tables;
        AnnIndex = annIndex;
    }

    public string ModelVersion { get; }

    public int Factors { get; }

    public int ItemCount => ItemIds.Count;

    /// <summary>Item ids by index; index i of every scoring result is <c>ItemIds[i]</c>.</summary>
    public IReadOnlyList<string> ItemIds { get; }

    /// <summary>Serialized ONNX model: user vectors → top K over the whole catalogue.</summary>
    public byte[] TopKModel { get; }

    /// <summary>Serialized ONNX model: user vectors × per-row candidate lists → top K among the candidates.</summary>
    public byte[] CandidateModel { get; }

    /// <summary>Serialized ONNX model: unit query item vectors → top K items by cosine; null without factor tables.</summary>
    public byte[]? SimilarModel { get; }

    /// <summary>The item factors the graphs read; null for an artifact saved before factors moved to external data.</summary>
    public ItemFactorTables? Tables { get; }

    /// <summary>The version's approximate nearest-neighbour index, or null when none was built.</summary>
    public AnnIndex? AnnIndex { get; private set; }

    /// <summary>Attaches an ANN index (built over the same item factors, in index order); the artifact takes a reference.</summary>
    public ScoringModelArtifact WithAnnIndex(AnnIndex index)
    {
        ArgumentNullException.ThrowIfNull(index);
        if (index.Count != ItemCount || index.Info.Factors != Factors)
        {
            throw new ArgumentException($"The ANN index covers {index.Count} items × {index.Info.Factors} factors; the model has {ItemCount} × {Factors}.", nameof(index));
        }

        AnnIndex?.Dispose();
        AnnIndex = index;
        return this;
    }

    /// <summary>Writes the artifact into <paramref name="directory"/> (created if missing).</summary>
    public async Task SaveAsync(string directory, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        await File.WriteAllBytesAsync(Path.Combine(directory, TopKFileName), TopKModel, cancellationToken);
        await File.WriteAllBytesAsync(Path.Combine(directory, CandidatesFileName), CandidateModel, cancellationToken);
        await File.WriteAllLinesAsync(Path.Combine(directory, ItemIdsFileName), ItemIds, cancellationToken);
        if (SimilarModel is not null)
        {
            await File.WriteAllBytesAsync(Path.Combine(directory, SimilarFileName), SimilarModel, cancellationToken);
        }
        if (Tables is not null)
        {
            await Task.Run(() => Tables.CopyTo(directory), cancellationToken);
        }

        if (AnnIndex is not null)
        {
            await Task.Run(() => AnnIndex.Save(directory), cancellationToken);
        }
    }

    /// <summary>
    /// Reads an artifact written by <see cref="SaveAsync"/>; the model version and factor count come from the caller's
    /// registry. The factor tables and the ANN index are memory-mapped, not read.
    /// </summary>
    public static async Task<ScoringModelArtifact> LoadAsync(string directory, string modelVersion, int factors, CancellationToken cancellationToken = default)
    {
        var topK = await File.ReadAllBytesAsync(Path.Combine(directory, TopKFileName), cancellationToken);
        var candidates = await File.ReadAllBytesAsync(Path.Combine(directory, CandidatesFileName), cancellationToken);
        var ids = await File.ReadAllLinesAsync(Path.Combine(directory, ItemIdsFileName), cancellationToken);
        var tables = ItemFactorTables.ExistIn(directory) ? ItemFactorTables.Map(directory, ids.Length, factors) : null;
        try
        {
            var index = File.Exists(Path.Combine(directory, AnnIndex.InfoFileName)) ? AnnIndex.View(directory) : null;
            var similarPath = Path.Combine(directory, SimilarFileName);
            var similar = tables is null
                ? null
                : File.Exists(similarPath)
                    ? await File.ReadAllBytesAsync(similarPath, cancellationToken)
                    : ItemFactorModelExporter.ExportSimilar(modelVersion, ids.Length, factors); // exported before the graph existed
            return new ScoringModelArtifact(modelVersion, factors, ids, topK, candidates, tables, index, similar);
        }
        catch
        {
            tables?.Dispose();
            throw;
        }
    }

    /// <summary>Releases the artifact's references to the factor tables and the ANN index.</summary>
    public void Dispose()
    {
        Tables?.Dispose();
        AnnIndex?.Dispose();
    }
}
