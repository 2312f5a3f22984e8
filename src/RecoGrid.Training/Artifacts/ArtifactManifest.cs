using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace RecoGrid.Training.Artifacts;

/// <summary>The <c>manifest.json</c> of a model artifact: shape, provenance, and a checksum for every other file.</summary>
public sealed record ArtifactManifest
{
    /// <summary>The format this code writes and the newest it reads.</summary>
    public const int CurrentFormatVersion = 1;

    /// <summary>Layout version of the artifact files.</summary>
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>Latent dimension d of every factor row.</summary>
    public int Factors { get; init; }

    /// <summary>Number of item rows.</summary>
    public int Items { get; init; }

    /// <summary>Number of user rows (0 without user factors).</summary>
    public int Users { get; init; }

    /// <summary>When the artifact was written.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>How the model was trained (algorithm, hyper-parameters, seed, timings); free-form.</summary>
    public JsonObject? Training { get; init; }

    /// <summary>Statistics of the training data (counts, filters); free-form.</summary>
    public JsonObject? Data { get; init; }

    /// <summary>Evaluation metrics keyed like "ndcg@100", when the model was evaluated.</summary>
    public IReadOnlyDictionary<string, double>? Metrics { get; init; }

    /// <summary>Length and SHA-256 of every file in the artifact except the manifest, by file name.</summary>
    public IReadOnlyDictionary<string, ArtifactFileEntry> Files { get; init; } = new Dictionary<string, ArtifactFileEntry>();

    internal static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };
}

/// <summary>Size in bytes and lowercase hex SHA-256 of one artifact file.</summary>
public sealed record ArtifactFileEntry(long Length, string Sha256);
