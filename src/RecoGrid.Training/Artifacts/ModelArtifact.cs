using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using RecoGrid.Training.Data;
using RecoGrid.Training.Solvers;

namespace RecoGrid.Training.Artifacts;

/// <summary>What goes into a model artifact. Factor arrays are row-major: rows × <see cref="Factors"/>.</summary>
public sealed class ModelArtifactContent
{
    /// <summary>Latent dimension d.</summary>
    public required int Factors { get; init; }

    /// <summary>Item id of each item row.</summary>
    public required IReadOnlyList<string> ItemIds { get; init; }

    /// <summary>Item factors, items × d.</summary>
    public required ReadOnlyMemory<float> ItemFactors { get; init; }

    /// <summary>User id of each user row; null to leave user factors out.</summary>
    public IReadOnlyList<string>? UserIds { get; init; }

    /// <summary>User factors, users × d; required with <see cref="UserIds"/>.</summary>
    public ReadOnlyMemory<float> UserFactors { get; init; }

    /// <summary>
    /// The items each user row was trained on (users × items; values ignored), written as <c>user_history.bin</c> so
    /// serving can exclude them; null to leave it out.
    /// </summary>
    public CsrMatrix? UserHistory { get; init; }

    /// <summary>Which model the factors belong to, e.g. <see cref="ArtifactManifest.IalsModel"/>.</summary>
    public string? Model { get; init; }

    /// <summary>The constants the factors were trained with, recorded for fold-in.</summary>
    public IalsSolveParameters? Solve { get; init; }

    /// <summary>Training configuration to record in the manifest.</summary>
    public JsonObject? Training { get; init; }

    /// <summary>Data statistics to record in the manifest.</summary>
    public JsonObject? Data { get; init; }

    /// <summary>Evaluation metrics to record in the manifest.</summary>
    public IReadOnlyDictionary<string, double>? Metrics { get; init; }

    /// <summary>Creation time; now when null.</summary>
    public DateTimeOffset? CreatedAt { get; init; }
}

/// <summary>
/// A trained model on disk: <c>item_factors.bin</c> (float32 LE, items × d), <c>item_ids.txt</c>, optionally
/// <c>user_factors.bin</c>, <c>user_ids.txt</c> and <c>user_index.bin</c> (see <see cref="UserVectorLookup"/>),
/// and <c>manifest.json</c> with a SHA-256 and length for every other file. Loading holds items in memory, never users.
/// </summary>
public sealed class ModelArtifact
{
    private ModelArtifact(string directory, ArtifactManifest manifest, string[] itemIds, float[] itemFactors)
    {
        Directory = directory;
        Manifest = manifest;
        ItemIds = itemIds;
        ItemFactors = itemFactors;
    }

    /// <summary>The artifact directory.</summary>
    public string Directory { get; }

    /// <summary>The manifest.</summary>
    public ArtifactManifest Manifest { get; }

    /// <summary>Item id of each item row.</summary>
    public IReadOnlyList<string> ItemIds { get; }

    /// <summary>Item factors, row-major items × <see cref="Factors"/>.</summary>
    public float[] ItemFactors { get; }

    /// <summary>Latent dimension d.</summary>
    public int Factors => Manifest.Factors;

    /// <summary>Whether the artifact holds user factors (and so a <see cref="UserVectorLookup"/> can be opened).</summary>
    public bool HasUserFactors => Manifest.Users > 0;

    /// <summary>Whether the artifact records the items each user was trained on (<c>user_history.bin</c>).</summary>
    public bool HasUserHistory => Manifest.Files.ContainsKey(ArtifactFiles.UserHistory);

    /// <summary>The factor row of item <paramref name="row"/>.</summary>
    public ReadOnlySpan<float> ItemVector(int row) => ItemFactors.AsSpan(row * Factors, Factors);

    /// <summary>Opens a by-id lookup of user vectors that reads them from disk one at a time.</summary>
    public UserVectorLookup OpenUserLookup() => UserVectorLookup.Open(Directory);

    /// <summary>
    /// Writes an artifact into <paramref name="directory"/> (created if needed; files of the same names replaced).
    /// The manifest is written last, so a directory left by a failed write never loads.
    /// </summary>
    public static ModelArtifact Write(string directory, ModelArtifactContent content)
    {
        var d = content.Factors;
        if (d <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(content), d, "Factors must be positive.");
        }

        if (content.ItemFactors.Length != (long)content.ItemIds.Count * d)
        {
            throw new ArgumentException($"ItemFactors has {content.ItemFactors.Length} floats; {content.ItemIds.Count} items × {d} factors needs {(long)content.ItemIds.Count * d}.", nameof(content));
        }

        var users = content.UserIds;
        if (users is not null && content.UserFactors.Length != (long)users.Count * d)
        {
            throw new ArgumentException($"UserFactors has {content.UserFactors.Length} floats; {users.Count} users × {d} factors needs {(long)users.Count * d}.", nameof(content));
        }

        if (users is not null && new HashSet<string>(users, StringComparer.Ordinal).Count != users.Count)
        {
            throw new ArgumentException("UserIds contains duplicates; each user needs a unique id for lookup.", nameof(content));
        }

        System.IO.Directory.CreateDirectory(directory);
        var manifestPath = Path.Combine(directory, ArtifactFiles.Manifest);
        File.Delete(manifestPath);
        var history = content.UserHistory;
        if (history is not null && (users is null || history.Rows != users.Count || history.Columns > content.ItemIds.Count))
        {
            throw new ArgumentException($"UserHistory has {history.Rows} rows and {history.Columns} columns; it needs one row per user ({users?.Count ?? 0}) and columns within the {content.ItemIds.Count} items.", nameof(content));
        }

        foreach (var stale in new[] { ArtifactFiles.UserFactors, ArtifactFiles.UserIds, ArtifactFiles.UserIndex, ArtifactFiles.UserHistory })
        {
            File.Delete(Path.Combine(directory, stale));
        }

        var files = new SortedDictionary<string, ArtifactFileEntry>(StringComparer.Ordinal);
        using (var writer = new HashingFileWriter(Path.Combine(directory, ArtifactFiles.ItemFactors)))
        {
            ArtifactFiles.WriteFloats(writer, content.ItemFactors.Span);
            files[ArtifactFiles.ItemFactors] = writer.Complete();
        }

        using (var writer = new HashingFileWriter(Path.Combine(directory, ArtifactFiles.ItemIds)))
        {
            ArtifactFiles.WriteIds(writer, content.ItemIds, ArtifactFiles.ItemIds, directory);
            files[ArtifactFiles.ItemIds] = writer.Complete();
        }

        if (users is not null)
        {
            using (var writer = new HashingFileWriter(Path.Combine(directory, ArtifactFiles.UserFactors)))
            {
                ArtifactFiles.WriteFloats(writer, content.UserFactors.Span);
                files[ArtifactFiles.UserFactors] = writer.Complete();
            }

            long[] offsets;
            using (var writer = new HashingFileWriter(Path.Combine(directory, ArtifactFiles.UserIds)))
            {
                offsets = ArtifactFiles.WriteIds(writer, users, ArtifactFiles.UserIds, directory);
                files[ArtifactFiles.UserIds] = writer.Complete();
            }

            using (var writer = new HashingFileWriter(Path.Combine(directory, ArtifactFiles.UserIndex)))
            {
                ArtifactFiles.WriteUserIndex(writer, users, offsets);
                files[ArtifactFiles.UserIndex] = writer.Complete();
            }

            if (history is not null)
            {
                using var writer = new HashingFileWriter(Path.Combine(directory, ArtifactFiles.UserHistory));
                ArtifactFiles.WriteUserHistory(writer, history);
                files[ArtifactFiles.UserHistory] = writer.Complete();
            }
        }

        var manifest = new ArtifactManifest
        {
            Model = content.Model,
            Solve = content.Solve,
            Factors = d,
            Items = content.ItemIds.Count,
            Users = users?.Count ?? 0,
            CreatedAt = content.CreatedAt ?? DateTimeOffset.UtcNow,
            Training = content.Training?.DeepClone().AsObject(),
            Data = content.Data?.DeepClone().AsObject(),
            Metrics = content.Metrics,
            Files = files,
        };
        var temporary = manifestPath + ".tmp";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(manifest, ArtifactManifest.JsonOptions));
        File.Move(temporary, manifestPath, overwrite: true);
        return new ModelArtifact(directory, manifest, [.. content.ItemIds], content.ItemFactors.ToArray());
    }

    /// <summary>
    /// Loads the manifest, item ids and item factors, after checking every listed file's length and SHA-256.
    /// Throws <see cref="ModelArtifactException"/> naming the file for a missing, truncated or corrupt artifact.
    /// </summary>
    public static ModelArtifact Load(string directory, bool verifyChecksums = true)
    {
        var manifest = ReadManifest(directory);
        foreach (var (name, expected) in manifest.Files)
        {
            VerifyFile(directory, name, expected, verifyChecksums);
        }

        var itemIds = ReadIds(directory, ArtifactFiles.ItemIds, manifest.Items);
        var factors = new float[(long)manifest.Items * manifest.Factors];
        using (var stream = File.OpenRead(Path.Combine(directory, ArtifactFiles.ItemFactors)))
        {
            ArtifactFiles.ReadFloats(stream, factors);
        }

        return new ModelArtifact(directory, manifest, itemIds, factors);
    }

    /// <summary>Reads every user id and the full user factor matrix (users × d); for tools and tests, not serving.</summary>
    public (string[] UserIds, float[] UserFactors) ReadAllUsers()
    {
        if (!HasUserFactors)
        {
            throw new ModelArtifactException(Directory, null, "the artifact has no user factors.");
        }

        var ids = ReadIds(Directory, ArtifactFiles.UserIds, Manifest.Users);
        var factors = new float[(long)Manifest.Users * Factors];
        using (var stream = File.OpenRead(Path.Combine(Directory, ArtifactFiles.UserFactors)))
        {
            ArtifactFiles.ReadFloats(stream, factors);
        }

        return (ids, factors);
    }

    internal static ArtifactManifest ReadManifest(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            throw new ModelArtifactException(directory, null, "the directory does not exist.");
        }

        var path = Path.Combine(directory, ArtifactFiles.Manifest);
        if (!File.Exists(path))
        {
            throw new ModelArtifactException(directory, ArtifactFiles.Manifest, "missing; the artifact is incomplete or this is not an artifact directory.");
        }

        var bytes = File.ReadAllBytes(path);
        ArtifactManifest? manifest;
        try
        {
            // The version is checked before the rest is bound, so a newer layout is refused as newer, not as invalid.
            CheckFormatVersion(directory, JsonNode.Parse(bytes));
            manifest = JsonSerializer.Deserialize<ArtifactManifest>(bytes, ArtifactManifest.JsonOptions);
        }
        catch (JsonException e)
        {
            throw new ModelArtifactException(directory, ArtifactFiles.Manifest, $"not valid JSON ({e.Message}).", e);
        }

        if (manifest is null)
        {
            throw new ModelArtifactException(directory, ArtifactFiles.Manifest, "empty.");
        }

        if (manifest.FormatVersion == 1)
        {
            manifest = manifest.UpgradeFromVersion1();
        }

        // A manifest names files of its own folder only, so loading never reads (or reports on) anything outside it.
        foreach (var name in manifest.Files.Keys)
        {
            if (name.Length == 0 || name is "." or ".." || name.Contains('/', StringComparison.Ordinal) || name.Contains('\\', StringComparison.Ordinal) || Path.IsPathRooted(name))
            {
                throw new ModelArtifactException(directory, ArtifactFiles.Manifest, $"lists '{name}', which is not a file name in the artifact's own folder.");
            }
        }

        if (manifest.Factors <= 0 || manifest.Items < 0 || manifest.Users < 0)
        {
            throw new ModelArtifactException(directory, ArtifactFiles.Manifest, $"invalid shape: {manifest.Items} items, {manifest.Users} users, {manifest.Factors} factors.");
        }

        RequireEntry(directory, manifest, ArtifactFiles.ItemFactors, (long)manifest.Items * manifest.Factors * sizeof(float));
        RequireEntry(directory, manifest, ArtifactFiles.ItemIds, null);
        if (manifest.Users > 0)
        {
            RequireEntry(directory, manifest, ArtifactFiles.UserFactors, (long)manifest.Users * manifest.Factors * sizeof(float));
            RequireEntry(directory, manifest, ArtifactFiles.UserIds, null);
            RequireEntry(directory, manifest, ArtifactFiles.UserIndex, ArtifactFiles.UserIndexLength(manifest.Users));
        }

        if (manifest.Files.TryGetValue(ArtifactFiles.UserHistory, out var historyEntry) && historyEntry.Length < ArtifactFiles.HistoryLength(manifest.Users, 0))
        {
            throw new ModelArtifactException(directory, ArtifactFiles.UserHistory, $"the manifest gives {historyEntry.Length} bytes, fewer than the offsets of {manifest.Users} users need.");
        }

        return manifest;
    }

    private static void CheckFormatVersion(string directory, JsonNode? root)
    {
        if (root is not JsonObject json)
        {
            throw new ModelArtifactException(directory, ArtifactFiles.Manifest, "empty or not a JSON object.");
        }

        if (json["format_version"] is not JsonValue value || !value.TryGetValue<int>(out var version))
        {
            throw new ModelArtifactException(directory, ArtifactFiles.Manifest, "has no integer format_version.");
        }

        if (version > ArtifactManifest.CurrentFormatVersion)
        {
            throw new ModelArtifactException(
                directory,
                ArtifactFiles.Manifest,
                $"format version {version} is newer than this build reads (versions {ArtifactManifest.OldestFormatVersion} to {ArtifactManifest.CurrentFormatVersion}); load it with a newer RecoGrid.");
        }

        if (version < ArtifactManifest.OldestFormatVersion)
        {
            throw new ModelArtifactException(
                directory,
                ArtifactFiles.Manifest,
                $"format version {version} is not supported (this build reads versions {ArtifactManifest.OldestFormatVersion} to {ArtifactManifest.CurrentFormatVersion}).");
        }
    }

    /// <summary>Checks existence and length (cheap), then the SHA-256 when <paramref name="checksum"/> is set.</summary>
    internal static void VerifyFile(string directory, string name, ArtifactFileEntry expected, bool checksum)
    {
        var path = Path.Combine(directory, name);
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new ModelArtifactException(directory, name, "listed in the manifest but missing.");
        }

        if (info.Length != expected.Length)
        {
            var kind = info.Length < expected.Length ? "truncated" : "longer than expected";
            throw new ModelArtifactException(directory, name, $"{kind}: {info.Length} bytes on disk, the manifest says {expected.Length}.");
        }

        if (checksum)
        {
            var actual = ArtifactHashing.HashFile(path);
            if (!string.Equals(actual.Sha256, expected.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new ModelArtifactException(directory, name, $"checksum mismatch (SHA-256 {actual.Sha256}, the manifest says {expected.Sha256}); the file is corrupt.");
            }
        }
    }

    private static void RequireEntry(string directory, ArtifactManifest manifest, string name, long? length)
    {
        if (!manifest.Files.TryGetValue(name, out var entry))
        {
            throw new ModelArtifactException(directory, ArtifactFiles.Manifest, $"does not list {name}.");
        }

        if (length is { } expected && entry.Length != expected)
        {
            throw new ModelArtifactException(directory, name, $"the manifest gives {entry.Length} bytes but its shape needs {expected}.");
        }
    }

    private static string[] ReadIds(string directory, string name, int expected)
    {
        var ids = new string[expected];
        var count = 0;
        using var reader = new StreamReader(Path.Combine(directory, name), new UTF8Encoding(false));
        while (reader.ReadLine() is { } line)
        {
            if (count == expected)
            {
                throw new ModelArtifactException(directory, name, $"has more than the {expected} lines the manifest gives.");
            }

            ids[count++] = line;
        }

        if (count != expected)
        {
            throw new ModelArtifactException(directory, name, $"has {count} lines; the manifest gives {expected}.");
        }

        return ids;
    }
}
