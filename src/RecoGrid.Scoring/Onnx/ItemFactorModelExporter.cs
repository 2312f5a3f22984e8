using System.Runtime.InteropServices;
using Google.Protobuf;
using RecoGrid.Scoring.Onnx.Proto;
using static RecoGrid.Scoring.Onnx.OnnxGraph;
using static RecoGrid.Scoring.Onnx.ScoringGraphNames;
using DataType = RecoGrid.Scoring.Onnx.Proto.TensorProto.Types.DataType;

namespace RecoGrid.Scoring.Onnx;

/// <summary>Builds the two ONNX scoring graphs (full-catalogue top-K and candidate list) from item factors.</summary>
public static class ItemFactorModelExporter
{
    /// <summary>
    /// Exports item factors (row-major, items × factors) and their ids as a scoring artifact.
    /// Item index i in every result refers to <paramref name="itemIds"/>[i].
    /// </summary>
    public static ScoringModelArtifact Export(string modelVersion, ReadOnlySpan<float> itemFactors, int factors, IReadOnlyList<string> itemIds)
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

        foreach (var id in itemIds)
        {
            if (string.IsNullOrEmpty(id) || id.Contains('\n', StringComparison.Ordinal))
            {
                throw new ArgumentException("Item ids must be non-empty and contain no line breaks.", nameof(itemIds));
            }
        }

        // Transposed to [factors, items + 1] so MatMul reads it as B directly; the extra zero column is the
        // dummy item that pads exclusion and candidate lists.
        var columns = items + 1;
        var bytes = new byte[checked((long)factors * columns * sizeof(float))];
        var transposed = MemoryMarshal.Cast<byte, float>(bytes.AsSpan());
        for (var i = 0; i < items; i++)
        {
            var row = itemFactors.Slice(i * factors, factors);
            for (var j = 0; j < factors; j++)
            {
                transposed[(j * columns) + i] = row[j];
            }
        }

        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("ONNX raw_data is little-endian.");
        }

        var factorTensor = RawFloats(ItemFactorsTransposed, [factors, columns], bytes);
        var topK = BuildTopKModel(modelVersion, items, factors, factorTensor, itemIds);
        var candidates = BuildCandidateModel(modelVersion, items, factors, factorTensor);
        return new ScoringModelArtifact(modelVersion, factors, itemIds.ToArray(), topK.ToByteArray(), candidates.ToByteArray());
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
        model.MetadataProps.Add(new StringStringEntryProto { Key = ScoringMetadataKeys.ItemIds, Value = string.Join('\n', itemIds) });
        return model;
    }

    private static ModelProto BuildCandidateModel(string version, int items, int factors, TensorProto factorTensor)
    {
        var graph = new GraphProto { Name = "recogrid_candidates" };
        graph.Initializer.Add(factorTensor);
        graph.Initializer.Add(Int64s("axis_1", [1], 1));
        graph.Input.Add(Value(UserVectors, DataType.Float, "batch", factors));
        graph.Input.Add(Value(ItemBias, DataType.Float, items + 1));
        graph.Input.Add(Value(CandidateIndices, DataType.Int64, "batch", "candidates"));
        graph.Input.Add(Value(K, DataType.Int64, 1));

        // [factors, batch, C] → [batch, factors, C], then [batch, 1, factors] × [batch, factors, C] = [batch, 1, C].
        graph.Node.Add(Node("Gather", "gather_factors", [ItemFactorsTransposed, CandidateIndices], ["cand_t"], Int("axis", 1)));
        graph.Node.Add(Node("Transpose", "cand_by_row", ["cand_t"], ["cand"], Ints("perm", 1, 0, 2)));
        graph.Node.Add(Node("Unsqueeze", "user_row", [UserVectors, "axis_1"], ["user_row"]));
        graph.Node.Add(Node("MatMul", "dot", ["user_row", "cand"], ["dot3"]));
        graph.Node.Add(Node("Squeeze", "dot_2d", ["dot3", "axis_1"], ["dot"]));
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
