using Google.Protobuf;
using RecoGrid.Scoring.Onnx.Proto;
using static RecoGrid.Scoring.Onnx.OnnxGraph;
using static RecoGrid.Scoring.Onnx.ScoringGraphNames;
using DataType = RecoGrid.Scoring.Onnx.Proto.TensorProto.Types.DataType;

namespace RecoGrid.Scoring.Onnx;

/// <summary>Builds the ONNX scoring graphs (full-catalogue top-K, candidate list, similar items) from item factors.</summary>
public static class ItemFactorModelExporter
{
    /// <summary>Catalogues up to this size also carry their item ids in the top-K model's metadata (item_ids.txt always does).</summary>
    public const int MaxItemIdsInMetadata = 1_000_000;

    /// <summary>
    /// Exports item factors (row-major, items × factors) and their ids as a scoring artifact. Item index i in every result
    /// refers to <paramref name="itemIds"/>[i]. The factor tables are written into <paramref name="directory"/> (where
    /// <see cref="ScoringModelArtifact.SaveAsync"/> then adds the graphs), or into a scratch folder deleted with the
    /// artifact and the models loaded from it when none is given.
    /// </summary>
    public static ScoringModelArtifact Export(string modelVersion, ReadOnlySpan<float> itemFactors, int factors, IReadOnlyList<string> itemIds, string? directory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelVersion);
        ArgumentOutOfRangeException.ThrowIfLessThan(factors, 1);
        ArgumentNullException.ThrowIfNull(itemIds);
        var items = itemIds.Count;
        ArgumentOutOfRangeException.ThrowIfLessThan(items, 1, nameof(itemIds));
        if (itemFactors.Length != (long)items * factors)
        {
            throw new ArgumentException($"Expected {items} × {factors} = {(long)items * factors} factors, got {itemFactors.Length}.", nameof(itemFactors));
        }

        if ((long)(items + 1) * factors > Array.MaxLength)
        {
            throw new ArgumentException($"{items} items × {factors} factors exceed the {Array.MaxLength:N0} floats one factor table may hold.", nameof(itemFactors));
        }

        foreach (var id in itemIds)
        {
            if (string.IsNullOrEmpty(id) || id.Contains('\n', StringComparison.Ordinal))
            {
                throw new ArgumentException("Item ids must be non-empty and contain no line breaks.", nameof(itemIds));
            }
        }

        // The factors stay out of the protobuf (ONNX external data): both tables carry a zero dummy item at the end
        // that pads exclusion and candidate lists, and ONNX Runtime reads them as shared initializers.
        var tables = directory is null
            ? ItemFactorTables.Write(Path.Combine(Path.GetTempPath(), "recogrid-scoring-" + Guid.NewGuid().ToString("N")), itemFactors, factors, ownsDirectory: true)
            : ItemFactorTables.Write(directory, itemFactors, factors);
        var bytes = tables.Length * sizeof(float);
        var topK = BuildTopKModel(modelVersion, items, factors, ExternalFloats(ItemFactorsTransposed, [factors, items + 1], ItemFactorTables.TransposedFileName, bytes), itemIds);
        var candidates = BuildCandidateModel(modelVersion, items, factors, ExternalFloats(ItemFactors, [items + 1, factors], ItemFactorTables.ItemMajorFileName, bytes));
        return new ScoringModelArtifact(modelVersion, factors, itemIds.ToArray(), topK.ToByteArray(), candidates.ToByteArray(), tables, similarModel: ExportSimilar(modelVersion, items, factors));
    }

    /// <summary>
    /// The similar-items graph of a version whose factor tables are external data: cosine of unit query vectors against
    /// every item (a MatMul with the transposed table, times the items' inverse norms), availability bias, exclusions,
    /// TopK. It reads the same table file as the top-K graph, so versions exported before it existed get it at load.
    /// </summary>
    public static byte[] ExportSimilar(string modelVersion, int items, int factors)
    {
        var bytes = (long)(items + 1) * factors * sizeof(float);
        var graph = new GraphProto { Name = "recogrid_similar" };
        graph.Initializer.Add(ExternalFloats(ItemFactorsTransposed, [factors, items + 1], ItemFactorTables.TransposedFileName, bytes));
        graph.Input.Add(Value(QueryVectors, DataType.Float, "batch", factors));
        graph.Input.Add(Value(ItemBias, DataType.Float, items + 1));
        graph.Input.Add(Value(ExcludeIndices, DataType.Int64, "batch", "excluded"));
        graph.Input.Add(Value(K, DataType.Int64, 1));
        graph.Input.Add(Value(ItemInverseNorms, DataType.Float, items + 1));
        graph.Node.Add(Node("MatMul", "dot", [QueryVectors, ItemFactorsTransposed], ["dot"]));
        graph.Node.Add(Node("Mul", "cosine", ["dot", ItemInverseNorms], ["cosine"]));
        graph.Node.Add(Node("Add", "add_bias", ["cosine", ItemBias], ["biased"]));
        graph.Node.Add(Node("Shape", "exclude_shape", [ExcludeIndices], ["exclude_shape"]));
        graph.Node.Add(Node("ConstantOfShape", "exclude_updates", ["exclude_shape"], ["exclude_updates"],
            Tensor("value", Floats("suppressed", [1], SuppressedScore))));
        graph.Node.Add(Node("ScatterElements", "exclude", ["biased", ExcludeIndices, "exclude_updates"], ["masked"], Int("axis", 1)));
        graph.Node.Add(Node("TopK", "topk", ["masked", K], [Scores, Indices], Int("axis", 1), Int("largest", 1), Int("sorted", 1)));
        graph.Output.Add(Value(Scores, DataType.Float, "batch", "k"));
        graph.Output.Add(Value(Indices, DataType.Int64, "batch", "k"));
        return NewModel(modelVersion, items, factors, "similar", graph).ToByteArray();
    }

    private static ModelProto BuildTopKModel(string version, int items, int factors, TensorProto factorTensor, IReadOnlyList<string> itemIds)
    {
        var graph = new GraphProto { Name = "recogrid_topk" };
        graph.Initializer.Add(factorTensor);
        graph.Input.Add(Value(UserVectors, DataType.Float, "batch", factors));
        graph.Input.Add(Value(ItemBias, DataType.Float, items + 1));
        graph.Input.Add(Value(ExcludeIndices, DataType.Int64, "batch", "excluded"));
        graph.Input.Add(Value(K, DataType.Int64, 1));
        graph.Node.Add(Node("MatMul", "dot", [UserVectors, ItemFactorsTransposed], ["dot"]));
        graph.Node.Add(Node("Add", "add_bias", ["dot", ItemBias], ["biased"]));
        graph.Node.Add(Node("Shape", "exclude_shape", [ExcludeIndices], ["exclude_shape"]));
        graph.Node.Add(Node("ConstantOfShape", "exclude_updates", ["exclude_shape"], ["exclude_updates"],
            Tensor("value", Floats("suppressed", [1], SuppressedScore))));
        graph.Node.Add(Node("ScatterElements", "exclude", ["biased", ExcludeIndices, "exclude_updates"], ["masked"], Int("axis", 1)));
        graph.Node.Add(Node("TopK", "topk", ["masked", K], [Scores, Indices], Int("axis", 1), Int("largest", 1), Int("sorted", 1)));
        graph.Output.Add(Value(Scores, DataType.Float, "batch", "k"));
        graph.Output.Add(Value(Indices, DataType.Int64, "batch", "k"));

        var model = NewModel(version, items, factors, "topk", graph);
        if (items <= MaxItemIdsInMetadata)
        {
            model.MetadataProps.Add(new StringStringEntryProto { Key = ScoringMetadataKeys.ItemIds, Value = string.Join('\n', itemIds) });
        }

        return model;
    }

    private static ModelProto BuildCandidateModel(string version, int items, int factors, TensorProto factorTensor)
    {
        var graph = new GraphProto { Name = "recogrid_candidates" };
        graph.Initializer.Add(factorTensor);
        graph.Initializer.Add(Int64s("axis_2", [1], 2));
        graph.Input.Add(Value(UserVectors, DataType.Float, "batch", factors));
        graph.Input.Add(Value(ItemBias, DataType.Float, items + 1));
        graph.Input.Add(Value(CandidateIndices, DataType.Int64, "batch", "candidates"));
        graph.Input.Add(Value(K, DataType.Int64, 1));

        // Whole rows are gathered (item-major), so each candidate costs one contiguous read even in a catalogue of
        // millions: [batch, C, factors] × [batch, factors, 1] = [batch, C, 1].
        graph.Node.Add(Node("Gather", "gather_factors", [ItemFactors, CandidateIndices], ["cand"], Int("axis", 0)));
        graph.Node.Add(Node("Unsqueeze", "user_column", [UserVectors, "axis_2"], ["user_column"]));
        graph.Node.Add(Node("MatMul", "dot", ["cand", "user_column"], ["dot3"]));
        graph.Node.Add(Node("Squeeze", "dot_2d", ["dot3", "axis_2"], ["dot"]));
        graph.Node.Add(Node("Gather", "gather_bias", [ItemBias, CandidateIndices], ["cand_bias"], Int("axis", 0)));
        graph.Node.Add(Node("Add", "add_bias", ["dot", "cand_bias"], ["biased"]));
        graph.Node.Add(Node("TopK", "topk", ["biased", K], [Scores, "positions"], Int("axis", 1), Int("largest", 1), Int("sorted", 1)));
        graph.Node.Add(Node("GatherElements", "to_items", [CandidateIndices, "positions"], [Indices], Int("axis", 1)));
        graph.Output.Add(Value(Scores, DataType.Float, "batch", "k"));
        graph.Output.Add(Value(Indices, DataType.Int64, "batch", "k"));
        return NewModel(version, items, factors, "candidates", graph);
    }

    private static ModelProto NewModel(string version, int items, int factors, string kind, GraphProto graph)
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "RecoGrid",
            ProducerVersion = typeof(ItemFactorModelExporter).Assembly.GetName().Version?.ToString() ?? "0",
            Graph = graph,
            DocString = $"RecoGrid {kind} scoring graph for model version {version}.",
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = string.Empty, Version = OpsetVersion });
        model.MetadataProps.Add(new StringStringEntryProto { Key = ScoringMetadataKeys.ModelVersion, Value = version });
        model.MetadataProps.Add(new StringStringEntryProto { Key = ScoringMetadataKeys.ItemCount, Value = items.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        model.MetadataProps.Add(new StringStringEntryProto { Key = ScoringMetadataKeys.Factors, Value = factors.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        model.MetadataProps.Add(new StringStringEntryProto { Key = ScoringMetadataKeys.GraphKind, Value = kind });
        return model;
    }
}
