namespace RecoGrid.Scoring.Onnx;

/// <summary>Tensor names and conventions shared by the exporter and the sessions that run its graphs.</summary>
public static class ScoringGraphNames
{
    /// <summary>float32 [batch, factors]: one user vector per row.</summary>
    public const string UserVectors = "user_vectors";

    /// <summary>float32 [items + 1]: added to every row; <see cref="SuppressedScore"/> marks an unavailable item.</summary>
    public const string ItemBias = "item_bias";

    /// <summary>int64 [batch, excluded]: item indices to suppress per row, padded with the dummy item index (= item count).</summary>
    public const string ExcludeIndices = "exclude_indices";

    /// <summary>int64 [batch, candidates]: the candidate variant's item indices per row, padded with the dummy item index.</summary>
    public const string CandidateIndices = "candidate_indices";

    /// <summary>float32 [batch, factors]: the similar-items graph's query item vectors, each of unit length.</summary>
    public const string QueryVectors = "query_vectors";

    /// <summary>float32 [items + 1]: 1 / ‖y_i‖ per item (0 for a zero vector and the dummy), so a dot product becomes a cosine.</summary>
    public const string ItemInverseNorms = "item_inverse_norms";

    /// <summary>int64 [1]: how many results per row TopK returns.</summary>
    public const string K = "k";

    /// <summary>float32 [batch, k]: scores in descending order.</summary>
    public const string Scores = "scores";

    /// <summary>int64 [batch, k]: item indices matching <see cref="Scores"/>.</summary>
    public const string Indices = "indices";

    /// <summary>Item factors stored transposed, [factors, items + 1]; the last column is the zero dummy item.</summary>
    public const string ItemFactorsTransposed = "item_factors_t";

    /// <summary>Item factors item-major, [items + 1, factors]; the last row is the zero dummy item.</summary>
    public const string ItemFactors = "item_factors";

    /// <summary>The score given to excluded or unavailable items; large and finite so sums never turn into NaN.</summary>
    public const float SuppressedScore = -1e30f;

    /// <summary>True for a score that carries <see cref="SuppressedScore"/>: the item must not be returned.</summary>
    public static bool IsSuppressed(float score) => score <= SuppressedScore / 10;

    /// <summary>ONNX opset the graphs are written against.</summary>
    public const long OpsetVersion = 17;

    /// <summary>ONNX IR version matching <see cref="OpsetVersion"/>.</summary>
    public const long IrVersion = 8;
}

/// <summary>Keys of the metadata_props that RecoGrid writes into its models.</summary>
public static class ScoringMetadataKeys
{
    public const string ModelVersion = "recogrid.model_version";
    public const string ItemCount = "recogrid.item_count";
    public const string Factors = "recogrid.factors";
    public const string GraphKind = "recogrid.graph";

    /// <summary>Item ids in index order, one per line (written only into the top-K model).</summary>
    public const string ItemIds = "recogrid.item_ids";
}
