using System.Text.Json;
using System.Text.Json.Serialization;

namespace RecoGrid.Scoring.Retrieval;

/// <summary>How a model version's approximate nearest-neighbour index (USearch HNSW) is built and searched.</summary>
public sealed record AnnIndexParameters
{
    /// <summary>Graph built and searched on the inner product itself (ip-NSW); on planted data its recall stalls near 0.8.</summary>
    public const string InnerProduct = "ip";

    /// <summary>
    /// Maximum inner product reduced to nearest neighbours: each item gets an extra coordinate √(M² − |x|²) so every
    /// item has norm M, queries get 0, and the L2 order of the augmented vectors is the inner-product order.
    /// </summary>
    public const string AugmentedL2 = "l2-augmented";

    /// <summary>Half-precision vectors (half the memory; on planted data recall@100 drops from 0.998 to 0.97 with augmented L2).</summary>
    public const string Float16 = "f16";

    /// <summary>Bfloat16 vectors in the index.</summary>
    public const string BFloat16 = "bf16";

    /// <summary>Single-precision vectors in the index.</summary>
    public const string Float32 = "f32";

    public static AnnIndexParameters Default { get; } = new();

    /// <summary><see cref="InnerProduct"/> or <see cref="AugmentedL2"/>.</summary>
    public string Metric { get; init; } = AugmentedL2;

    /// <summary>HNSW M: links per node on the upper layers (twice as many on the base layer).</summary>
    public int Connectivity { get; init; } = 16;

    /// <summary>HNSW efConstruction: the candidate list while linking a new node.</summary>
    public int ExpansionAdd { get; init; } = 128;

    /// <summary>HNSW efSearch: the candidate list of a query (the engine uses at least the number of candidates it asks for).</summary>
    public int ExpansionSearch { get; init; } = 128;

    /// <summary>Scalar type of the vectors stored in the index: <see cref="Float16"/>, <see cref="BFloat16"/> or <see cref="Float32"/>.</summary>
    public string Quantization { get; init; } = Float32;

    /// <summary>Problems with the parameters, each naming the parameter; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Metric is not (InnerProduct or AugmentedL2))
        {
            errors.Add($"metric must be {InnerProduct} or {AugmentedL2} (was '{Metric}').");
        }

        if (Connectivity is < 2 or > 256)
        {
            errors.Add($"connectivity must be between 2 and 256 (was {Connectivity}).");
        }

        if (ExpansionAdd is < 1 or > 4096)
        {
            errors.Add($"expansion_add must be between 1 and 4096 (was {ExpansionAdd}).");
        }

        if (ExpansionSearch is < 1 or > 65536)
        {
            errors.Add($"expansion_search must be between 1 and 65536 (was {ExpansionSearch}).");
        }

        if (Quantization is not (Float16 or BFloat16 or Float32))
        {
            errors.Add($"quantization must be {Float16}, {BFloat16} or {Float32} (was '{Quantization}').");
        }

        return errors;
    }

    internal void ThrowIfInvalid()
    {
        var errors = Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid ANN index parameters: " + string.Join(" ", errors));
        }
    }

    internal UsearchNative.MetricKind NativeMetric => Metric switch
    {
        AugmentedL2 => UsearchNative.MetricKind.L2Squared,
        _ => UsearchNative.MetricKind.InnerProduct,
    };

    internal UsearchNative.ScalarKind NativeQuantization => Quantization switch
    {
        Float32 => UsearchNative.ScalarKind.F32,
        BFloat16 => UsearchNative.ScalarKind.BF16,
        _ => UsearchNative.ScalarKind.F16,
    };
}

/// <summary>
/// What a built index is: its parameters, shape and build facts. Written beside the index file
/// (<see cref="AnnIndex.InfoFileName"/>) and into the model version's registry entry.
/// </summary>
public sealed record AnnIndexInfo
{
    /// <summary>The parameters the index was built with.</summary>
    public required AnnIndexParameters Parameters { get; init; }

    /// <summary>Items in the index; keys are item indices of the model version.</summary>
    public required int Items { get; init; }

    /// <summary>Factors of the model version.</summary>
    public required int Factors { get; init; }

    /// <summary>Dimensions of the indexed vectors (factors, plus one for <see cref="AnnIndexParameters.AugmentedL2"/>).</summary>
    public required int Dimensions { get; init; }

    /// <summary>The largest item norm M (used by <see cref="AnnIndexParameters.AugmentedL2"/>).</summary>
    public required float MaxNorm { get; init; }

    /// <summary>Wall-clock seconds the build took.</summary>
    public double BuildSeconds { get; init; }

    /// <summary>Threads the build used.</summary>
    public int BuildThreads { get; init; }

    /// <summary>Bytes of the saved index file (vectors and graph), memory-mapped when served.</summary>
    public long FileBytes { get; init; }

    /// <summary>The USearch version that built the index.</summary>
    public string? Library { get; init; }

    internal static JsonSerializerOptions Json { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    /// <summary>Reads an info file written by <see cref="AnnIndex.Save"/>.</summary>
    public static AnnIndexInfo Read(string path) =>
        JsonSerializer.Deserialize<AnnIndexInfo>(File.ReadAllBytes(path), Json) ?? throw new AnnIndexException($"'{path}' is empty.");

    /// <summary>Writes the info as JSON.</summary>
    public void Write(string path) => File.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(this, Json));
}
