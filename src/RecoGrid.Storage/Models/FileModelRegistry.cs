using System.Globalization;
using System.Text.Json;
using RecoGrid.Storage.FileSystem;

namespace RecoGrid.Storage.Models;

/// <summary>
/// The model registry on the local file system: one folder per version under <c>{root}</c>, and
/// <c>registry.json</c> replaced atomically under an exclusive lock file, so the CLI and a running
/// server can change it at the same time.
/// </summary>
public sealed class FileModelRegistry(string root) : IModelRegistry
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Folder holding every version.</summary>
    public string Root { get; } = Path.GetFullPath(root);

    private string RegistryFile => Path.Combine(Root, "registry.json");

    public async Task<ModelRegistryState> GetAsync(CancellationToken cancellationToken = default)
    {
        if (!File.Exists(RegistryFile))
        {
            return ModelRegistryState.Empty;
        }

        await using var stream = new FileStream(RegistryFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return await JsonSerializer.DeserializeAsync<ModelRegistryState>(stream, Json, cancellationToken)
            ?? throw new InvalidDataException($"Model registry '{RegistryFile}' is empty.");
    }

    public async Task<ModelVersionInfo> AddAsync(Func<string, CancellationToken, Task<ModelVersionInfo>> populate, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(Root);
        var staging = Path.Combine(Root, ".staging-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(staging);
        try
        {
            var described = await populate(staging, cancellationToken);
            return (await UpdateAsync((state, _) =>
            {
                var number = state.Versions.Select(v => ParseNumber(v.Version)).DefaultIfEmpty(0).Max() + 1;
                var version = "v" + number.ToString(CultureInfo.InvariantCulture);
                Directory.Move(staging, VersionFolder(version));
                var info = described with { Version = version };
                return (state with { Versions = [.. state.Versions, info] }, info);
            }, cancellationToken)).Item;
        }
        finally
        {
            if (Directory.Exists(staging))
            {
                Directory.Delete(staging, recursive: true);
            }
        }
    }

    public async Task<ModelRegistryState> PromoteAsync(string version, CancellationToken cancellationToken = default) =>
        (await UpdateAsync((state, _) =>
        {
            if (state.Find(version) is null)
            {
                throw new ModelRegistryException($"There is no model version '{version}'. Known versions: {Describe(state)}.");
            }

            if (state.Active == version)
            {
                return (state, state);
            }

            var history = state.Active is null ? state.History : [.. state.History, state.Active];
            var next = state with { Active = version, History = history };
            return (next, next);
        }, cancellationToken)).Item;

    public async Task<ModelRegistryState> RollbackAsync(CancellationToken cancellationToken = default) =>
        (await UpdateAsync((state, _) =>
        {
            if (state.History.Count == 0)
            {
                throw new ModelRegistryException(state.Active is null
                    ? "No model has been promoted, so there is nothing to roll back."
                    : $"'{state.Active}' is the first promoted model; there is no earlier one to roll back to.");
            }

            var next = state with { Active = state.History[^1], History = [.. state.History.Take(state.History.Count - 1)] };
            return (next, next);
        }, cancellationToken)).Item;

    public async Task<string> MaterializeAsync(string version, CancellationToken cancellationToken = default)
    {
        var folder = VersionFolder(version);
        var state = await GetAsync(cancellationToken);
        if (state.Find(version) is null || !Directory.Exists(folder))
        {
            throw new ModelRegistryException($"There is no model version '{version}'. Known versions: {Describe(state)}.");
        }

        return folder;
    }

    public async Task<Stream> OpenReadAsync(string version, string relativePath, CancellationToken cancellationToken = default)
    {
        var folder = await MaterializeAsync(version, cancellationToken);
        var path = Path.GetFullPath(Path.Combine(folder, relativePath));
        if (!path.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !File.Exists(path))
        {
            throw new ModelRegistryException($"Model version '{version}' has no file '{relativePath}'.");
        }

        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
    }

    private string VersionFolder(string version)
    {
        if (version.Length == 0 || version.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_' and not '.') || version.StartsWith('.'))
        {
            throw new ModelRegistryException($"'{version}' is not a valid model version name.");
        }

        return Path.Combine(Root, version);
    }

    private static long ParseNumber(string version) =>
        version.StartsWith('v') && long.TryParse(version.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;

    private static string Describe(ModelRegistryState state) =>
        state.Versions.Count == 0 ? "none (add one with `recogrid models add DIR`)" : string.Join(", ", state.Versions.Select(v => v.Version));

    private async Task<(ModelRegistryState State, T Item)> UpdateAsync<T>(
        Func<ModelRegistryState, CancellationToken, (ModelRegistryState, T)> change, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Root);
        await using var registryLock = await AcquireLockAsync(cancellationToken);
        var state = await GetAsync(cancellationToken);
        var (next, item) = change(state, cancellationToken);
        if (!ReferenceEquals(next, state))
        {
            await DurableFile.WriteAtomicAsync(RegistryFile, JsonSerializer.SerializeToUtf8Bytes(next, Json), flushToDisk: true, cancellationToken);
        }

        return (next, item);
    }

    // An exclusive open of the lock file serializes writers across processes (CLI and servers).
    private async Task<FileStream> AcquireLockAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(Root, ".registry.lock");
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1);
            }
            catch (IOException) when (attempt < 200)
            {
                await Task.Delay(25, cancellationToken);
            }
        }
    }
}
