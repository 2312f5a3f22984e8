namespace RecoGrid.Scoring.Onnx;

/// <summary>An exported model version: the top-K and candidate ONNX graphs plus the item id map.</summary>
public sealed class ScoringModelArtifact
{
    /// <summary>File name of the full-catalogue top-K graph inside an artifact directory.</summary>
    public const string TopKFileName = "topk.onnx";

    /// <summary>File name of the candidate-list graph inside an artifact directory.</summary>
    public const string CandidatesFileName = "candidates.onnx";

    /// <summary>Side file with one item id per line, in index order (also kept in the top-K model's metadata).</summary>
    public const string ItemIdsFileName = "item_ids.txt";

    public ScoringModelArtifact(string modelVersion, int factors, string[] itemIds, byte[] topKModel, byte[] candidateModel)
    {
        ModelVersion = modelVersion;
        Factors = factors;
        ItemIds = itemIds;
        TopKModel = topKModel;
        CandidateModel = candidateModel;
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

    /// <summary>Writes the artifact into <paramref name="directory"/> (created if missing).</summary>
    public async Task SaveAsync(string directory, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(directory);
        await File.WriteAllBytesAsync(Path.Combine(directory, TopKFileName), TopKModel, cancellationToken);
        await File.WriteAllBytesAsync(Path.Combine(directory, CandidatesFileName), CandidateModel, cancellationToken);
        await File.WriteAllLinesAsync(Path.Combine(directory, ItemIdsFileName), ItemIds, cancellationToken);
    }

    /// <summary>Reads an artifact written by <see cref="SaveAsync"/>; the model version and factor count come from the caller's registry.</summary>
    public static async Task<ScoringModelArtifact> LoadAsync(string directory, string modelVersion, int factors, CancellationToken cancellationToken = default)
    {
        var topK = await File.ReadAllBytesAsync(Path.Combine(directory, TopKFileName), cancellationToken);
        var candidates = await File.ReadAllBytesAsync(Path.Combine(directory, CandidatesFileName), cancellationToken);
        var ids = await File.ReadAllLinesAsync(Path.Combine(directory, ItemIdsFileName), cancellationToken);
        return new ScoringModelArtifact(modelVersion, factors, ids, topK, candidates);
    }
}
