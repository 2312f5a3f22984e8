using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using RecoGrid.Storage.Models;

namespace RecoGrid.Storage.Azure.Models;

/// <summary>
/// The model registry on Azure blobs: each version's files are one blob set (<c>sets/{id}/…</c>), uploaded before the
/// version exists; <c>registry.json</c> lists the versions, the promoted one and the history, and is only ever replaced
/// under an ETag condition, so of two concurrent changes made from the same state one fails and is redone on the new
/// state (two promotions never both overwrite one state). Versions beyond <see cref="AzureModelRegistryOptions.Retain"/>
/// are removed, oldest first, never the active one. <see cref="MaterializeAsync"/> downloads a version into a local cache.
/// </summary>
public sealed class AzureModelRegistry : IModelRegistry
{
    private const string RegistryBlob = "registry.json";
    private const string SetsPrefix = "sets/";
    private const int MaxAttempts = 100;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private readonly int _retain;
    private volatile bool _containerExists;

    public AzureModelRegistry(AzureModelRegistryOptions options)
        : this(options, AzureStorageConnection.Parse(options?.ConnectionString, options?.ServiceUri).CreateBlobServiceClient())
    {
    }

    public AzureModelRegistry(AzureModelRegistryOptions options, BlobServiceClient service)
    {
        ArgumentNullException.ThrowIfNull(service);
        StoreOptions.Validated<AzureModelRegistryOptions, AzureModelRegistryOptionsValidator>(options);
        Container = service.GetBlobContainerClient(options.ContainerName);
        CacheDirectory = Path.GetFullPath(options.CacheDirectory);
        _retain = options.Retain;
    }

    /// <summary>The container holding the registry.</summary>
    public BlobContainerClient Container { get; }

    /// <summary>Local folder of downloaded versions.</summary>
    public string CacheDirectory { get; }

    public async Task<ModelRegistryState> GetAsync(CancellationToken cancellationToken = default) =>
        (await ReadAsync(cancellationToken)).Document.State;

    public async Task<ModelVersionInfo> AddAsync(Func<string, CancellationToken, Task<ModelVersionInfo>> populate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(populate);
        var setId = Guid.NewGuid().ToString("N");
        var set = SetsPrefix + setId + "/";
        var staging = Path.Combine(Path.GetTempPath(), "recogrid-model-" + setId);
        Directory.CreateDirectory(staging);
        var published = false;
        try
        {
            var described = await populate(staging, cancellationToken);
            await EnsureContainerAsync(cancellationToken);
            foreach (var file in Directory.EnumerateFiles(staging, "*", SearchOption.AllDirectories))
            {
                var relative = Path.GetRelativePath(staging, file).Replace(Path.DirectorySeparatorChar, '/');
                await Container.GetBlobClient(set + relative).UploadAsync(file, overwrite: true, cancellationToken);
            }

            // The version becomes visible only here, once every file of its set is stored.
            var (info, removed) = await UpdateAsync(document =>
            {
                var number = document.State.Versions.Select(v => ParseNumber(v.Version)).Append(document.LastNumber).Max() + 1;
                var version = "v" + number.ToString(CultureInfo.InvariantCulture);
                var info = described with { Version = version };
                var next = document with
                {
                    State = document.State with { Versions = [.. document.State.Versions, info] },
                    Sets = new Dictionary<string, string>(document.Sets) { [version] = setId },
                    LastNumber = number,
                };
                return (Retain(next, out var removed), (info, removed));
            }, cancellationToken);
            published = true;
            foreach (var old in removed)
            {
                await DeleteSetAsync(old, CancellationToken.None);
            }

            return info;
        }
        finally
        {
            if (!published)
            {
                await DeleteSetAsync(setId, CancellationToken.None);
            }

            Directory.Delete(staging, recursive: true);
        }
    }

    public async Task<ModelRegistryState> PromoteAsync(string version, CancellationToken cancellationToken = default) =>
        await UpdateAsync(document =>
        {
            var state = document.State;
            if (state.Find(version) is null)
            {
                throw new ModelRegistryException($"There is no model version '{version}'. Known versions: {Describe(state)}.");
            }

            if (state.Active == version)
            {
                return (document, state);
            }

            var history = state.Active is null ? state.History : [.. state.History, state.Active];
            var next = state with { Active = version, History = history };
            return (document with { State = next }, next);
        }, cancellationToken);

    public async Task<ModelRegistryState> RollbackAsync(CancellationToken cancellationToken = default) =>
        await UpdateAsync(document =>
        {
            var state = document.State;
            if (state.History.Count == 0)
            {
                throw new ModelRegistryException(state.Active is null
                    ? "No model has been promoted, so there is nothing to roll back."
                    : $"'{state.Active}' is the first promoted model; there is no earlier one to roll back to.");
            }

            var next = state with { Active = state.History[^1], History = [.. state.History.Take(state.History.Count - 1)] };
            return (document with { State = next }, next);
        }, cancellationToken);

    public async Task<string> MaterializeAsync(string version, CancellationToken cancellationToken = default)
    {
        var setId = await SetOfAsync(version, cancellationToken);
        var folder = Path.Combine(CacheDirectory, version + "-" + setId);
        if (Directory.Exists(folder))
        {
            return folder;
        }

        Directory.CreateDirectory(CacheDirectory);
        var temp = Path.Combine(CacheDirectory, ".download-" + Guid.NewGuid().ToString("N"));
        try
        {
            var prefix = SetsPrefix + setId + "/";
            await foreach (var item in Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, cancellationToken))
            {
                var relative = item.Name[prefix.Length..];
                var path = SafeLocalPath(temp, relative) ?? throw new ModelRegistryException($"Model version '{version}' has a file with an unsafe name '{relative}'.");
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                await Container.GetBlobClient(item.Name).DownloadToAsync(path, cancellationToken);
            }

            try
            {
                // A folder appears whole: the download is renamed into place only once complete.
                Directory.Move(temp, folder);
            }
            catch (IOException) when (Directory.Exists(folder))
            {
                // Another caller downloaded it meanwhile.
            }

            return folder;
        }
        finally
        {
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }
        }
    }

    public async Task<Stream> OpenReadAsync(string version, string relativePath, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(relativePath);
        var setId = await SetOfAsync(version, cancellationToken);
        var segments = relativePath.Split('/');
        if (relativePath.Length == 0 || relativePath.Contains('\\', StringComparison.Ordinal) || segments.Any(s => s is "" or "." or ".."))
        {
            throw new ModelRegistryException($"Model version '{version}' has no file '{relativePath}'.");
        }

        try
        {
            return (await Container.GetBlobClient(SetsPrefix + setId + "/" + relativePath).DownloadStreamingAsync(cancellationToken: cancellationToken)).Value.Content;
        }
        catch (RequestFailedException error) when (error.Status == 404)
        {
            throw new ModelRegistryException($"Model version '{version}' has no file '{relativePath}'.");
        }
    }

    private async Task<string> SetOfAsync(string version, CancellationToken cancellationToken)
    {
        ValidateVersionName(version);
        var document = (await ReadAsync(cancellationToken)).Document;
        return document.State.Find(version) is not null && document.Sets.TryGetValue(version, out var setId)
            ? setId
            : throw new ModelRegistryException($"There is no model version '{version}'. Known versions: {Describe(document.State)}.");
    }

    // Drops the oldest versions that are not active until at most Retain remain; their sets are deleted once the document is stored.
    private RegistryDocument Retain(RegistryDocument document, out List<string> removedSets)
    {
        removedSets = [];
        if (_retain == 0 || document.State.Versions.Count <= _retain)
        {
            return document;
        }

        var state = document.State;
        var excess = state.Versions.Count - _retain;
        var drop = state.Versions.Where(v => v.Version != state.Active).Take(excess).Select(v => v.Version).ToHashSet(StringComparer.Ordinal);
        var sets = new Dictionary<string, string>(document.Sets);
        foreach (var version in drop)
        {
            if (sets.Remove(version, out var setId))
            {
                removedSets.Add(setId);
            }
        }

        return document with
        {
            State = state with
            {
                Versions = [.. state.Versions.Where(v => !drop.Contains(v.Version))],
                History = [.. state.History.Where(v => !drop.Contains(v))],
            },
            Sets = sets,
        };
    }

    private async Task<T> UpdateAsync<T>(Func<RegistryDocument, (RegistryDocument Next, T Result)> change, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var (document, etag) = await ReadAsync(cancellationToken);
            var (next, result) = change(document);
            if (ReferenceEquals(next, document))
            {
                return result;
            }

            await EnsureContainerAsync(cancellationToken);
            try
            {
                await Container.GetBlobClient(RegistryBlob).UploadAsync(BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(next, Json)), new BlobUploadOptions
                {
                    Conditions = etag is { } e ? new BlobRequestConditions { IfMatch = e } : new BlobRequestConditions { IfNoneMatch = ETag.All },
                }, cancellationToken);
                return result;
            }
            catch (RequestFailedException error) when (error.Status is 409 or 412 && attempt < MaxAttempts)
            {
                // Someone changed the registry since it was read: redo the change on what they stored.
                await Task.Delay(Random.Shared.Next(5, 20 + (attempt * 5)), cancellationToken);
            }
        }
    }

    private async Task<(RegistryDocument Document, ETag? ETag)> ReadAsync(CancellationToken cancellationToken)
    {
        try
        {
            var response = await Container.GetBlobClient(RegistryBlob).DownloadContentAsync(cancellationToken);
            var document = response.Value.Content.ToObjectFromJson<RegistryDocument>(Json)
                ?? throw new InvalidDataException($"Model registry '{Container.Uri}/{RegistryBlob}' is empty.");
            return (document, response.Value.Details.ETag);
        }
        catch (RequestFailedException error) when (error.Status == 404)
        {
            return (RegistryDocument.Empty, null);
        }
    }

    private async Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        if (!_containerExists)
        {
            await Container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
            _containerExists = true;
        }
    }

    private async Task DeleteSetAsync(string setId, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var item in Container.GetBlobsAsync(BlobTraits.None, BlobStates.None, SetsPrefix + setId + "/", cancellationToken))
            {
                await Container.GetBlobClient(item.Name).DeleteIfExistsAsync(cancellationToken: cancellationToken);
            }
        }
        catch (RequestFailedException)
        {
            // Unreferenced blobs are only wasted space; a later retention pass does not need them gone.
        }
    }

    private static string? SafeLocalPath(string root, string relative)
    {
        var path = Path.GetFullPath(Path.Combine(root, relative));
        return path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? path : null;
    }

    private static void ValidateVersionName(string version)
    {
        if (string.IsNullOrEmpty(version) || version.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_' and not '.') || version.StartsWith('.'))
        {
            throw new ModelRegistryException($"'{version}' is not a valid model version name.");
        }
    }

    private static long ParseNumber(string version) =>
        version.StartsWith('v') && long.TryParse(version.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;

    private static string Describe(ModelRegistryState state) =>
        state.Versions.Count == 0 ? "none (add one with `recogrid models add DIR`)" : string.Join(", ", state.Versions.Select(v => v.Version));

    /// <summary>What <c>registry.json</c> holds: the registry's state, each version's blob set, and the highest number handed out.</summary>
    private sealed record RegistryDocument(ModelRegistryState State, IReadOnlyDictionary<string, string> Sets, long LastNumber)
    {
        public static RegistryDocument Empty { get; } = new(ModelRegistryState.Empty, new Dictionary<string, string>(), 0);
    }
}
