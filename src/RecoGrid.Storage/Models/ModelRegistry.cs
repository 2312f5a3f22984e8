namespace RecoGrid.Storage.Models;

/// <summary>One registered model version; <see cref="Checksum"/> (SHA-256 of the artifact's manifest, which lists every file's SHA-256) recognizes an artifact registered again; <see cref="AnnIndex"/> says how its ANN index was built, when it has one.</summary>
public sealed record ModelVersionInfo(
    string Version,
    DateTimeOffset AddedAt,
    string? Source,
    int Items,
    int Factors,
    IReadOnlyDictionary<string, double>? Metrics,
    string? Checksum = null,
    AnnIndexRecord? AnnIndex = null);

/// <summary>The approximate nearest-neighbour index of a version (two-stage retrieval): its build parameters and cost.</summary>
public sealed record AnnIndexRecord(
    string Library,
    string Metric,
    int Connectivity,
    int ExpansionAdd,
    int ExpansionSearch,
    string Quantization,
    int Dimensions,
    double BuildSeconds,
    long FileBytes);

/// <summary>The registry's content: every version, the promoted one, and the promotion history for rollback.</summary>
public sealed record ModelRegistryState(
    IReadOnlyList<ModelVersionInfo> Versions,
    string? Active,
    IReadOnlyList<string> History)
{
    public static ModelRegistryState Empty { get; } = new([], null, []);

    public ModelVersionInfo? Find(string version) => Versions.FirstOrDefault(v => v.Version == version);
}

/// <summary>Thrown for registry requests that cannot be honoured (unknown version, nothing to roll back to).</summary>
public sealed class ModelRegistryException(string message) : Exception(message);

/// <summary>
/// Where model versions live: add (a version's files are written into a local staging folder, then published by the
/// registry), list, promote, roll back, and read a version back into a local folder. One interface, one implementation
/// per backend; no member exposes where a backend keeps its files.
/// </summary>
public interface IModelRegistry
{
    /// <summary>Reads the registry as stored now.</summary>
    Task<ModelRegistryState> GetAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Registers a new version: <paramref name="populate"/> writes the version's files into the local scratch folder it
    /// is given (sub-folders allowed); the registry publishes them and the version becomes visible only once they are complete.
    /// </summary>
    Task<ModelVersionInfo> AddAsync(Func<string, CancellationToken, Task<ModelVersionInfo>> populate, CancellationToken cancellationToken = default);

    /// <summary>Makes <paramref name="version"/> the active model.</summary>
    Task<ModelRegistryState> PromoteAsync(string version, CancellationToken cancellationToken = default);

    /// <summary>Re-activates the version that was active before the current one.</summary>
    Task<ModelRegistryState> RollbackAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Makes <paramref name="version"/>'s files available in a local folder and returns it (a backend that keeps them
    /// elsewhere downloads them into a cache first). The folder must be treated as read-only.
    /// </summary>
    /// <exception cref="ModelRegistryException">The version is unknown.</exception>
    Task<string> MaterializeAsync(string version, CancellationToken cancellationToken = default);

    /// <summary>Opens one file of <paramref name="version"/> (a path relative to the version, '/'-separated) for reading.</summary>
    /// <exception cref="ModelRegistryException">The version or the file is unknown.</exception>
    Task<Stream> OpenReadAsync(string version, string relativePath, CancellationToken cancellationToken = default);
}
