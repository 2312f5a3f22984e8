using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using RecoGrid.Training.Solvers;

namespace RecoGrid.Training.Artifacts;

/// <summary>The <c>manifest.json</c> of a model artifact: shape, provenance, and a checksum for every other file.</summary>
public sealed record ArtifactManifest
{
    /// <summary>The format this code writes and the newest it reads.</summary>
    /// <remarks>Version 2 added the typed <see cref="Model"/> and <see cref="Solve"/> sections.</remarks>
    public const int CurrentFormatVersion = 2;

    /// <summary>The oldest format this code reads.</summary>
    public const int OldestFormatVersion = 1;

    /// <summary>The <see cref="Model"/> name of an implicit-ALS factorization.</summary>
    public const string IalsModel = "ials";

    /// <summary>Layout version of the artifact files.</summary>
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>Which model the factors belong to, e.g. <see cref="IalsModel"/>; null when the writer did not say.</summary>
    public string? Model { get; init; }

    /// <summary>
    /// The constants the factors were trained with, which fold-in must reuse. A version-1 manifest read from disk has
    /// them recovered from its training settings; see <see cref="SolveParameters"/> for the value to use.
    /// </summary>
    [JsonConverter(typeof(SolveParametersJsonConverter))]
    public IalsSolveParameters? Solve { get; init; }

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

    /// <summary>
    /// The fold-in constants: <see cref="Solve"/> when present, else the <c>alpha</c>, <c>lambda</c> and
    /// <c>reg_exponent</c> keys of <see cref="Training"/> (how version 1 recorded them), with iALS's defaults for any missing.
    /// </summary>
    [JsonIgnore]
    public IalsSolveParameters SolveParameters => Solve ?? LegacySolveParameters(Training);

    internal static JsonSerializerOptions JsonOptions { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = true,
    };

    /// <summary>Reads the constants a version-1 writer (<c>recogrid train</c>) left among its free-form training settings.</summary>
    internal static IalsSolveParameters LegacySolveParameters(JsonObject? training)
    {
        var defaults = IalsSolveParameters.Default;
        return new IalsSolveParameters(
            Read(training, "alpha", defaults.Alpha),
            Read(training, "lambda", defaults.Lambda),
            Read(training, "reg_exponent", defaults.RegularizationExponent));
    }

    /// <summary>A version-1 manifest with its typed sections filled from the free-form training settings.</summary>
    internal ArtifactManifest UpgradeFromVersion1() => this with
    {
        Model = Model ?? (Training?["model"] is JsonValue name && name.TryGetValue<string>(out var text) ? text : null),
        Solve = Solve ?? LegacySolveParameters(Training),
    };

    private static float Read(JsonObject? node, string name, float fallback) =>
        node?[name] is JsonValue value && value.TryGetValue<double>(out var number) ? (float)number : fallback;
}

/// <summary>Size in bytes and lowercase hex SHA-256 of one artifact file.</summary>
public sealed record ArtifactFileEntry(long Length, string Sha256);
