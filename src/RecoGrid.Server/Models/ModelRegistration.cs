using System.Security.Cryptography;
using RecoGrid.Scoring.Onnx;
using RecoGrid.Scoring.Retrieval;
using RecoGrid.Storage.Models;
using RecoGrid.Training.Artifacts;

namespace RecoGrid.Server.Models;

/// <summary>
/// Registers training artifacts as model versions (verify, copy, export ONNX, build the ANN index) and knows a
/// version's layout: the training artifact and its exported ONNX models side by side. An artifact registered again (the
/// same manifest, so the same files by their SHA-256) is recognized by its checksum and not copied a second time.
/// </summary>
public sealed class ModelRegistration(IModelRegistry registry, TimeProvider? time = null)
{
    /// <summary>Sub-folder with the training artifact (factors, ids, user lookup, manifest).</summary>
    public const string Training = "training";

    /// <summary>Sub-folder with the exported ONNX graphs, their factor tables and the ANN index.</summary>
    public const string Scoring = "scoring";

    /// <summary>
    /// Registers the artifact in <paramref name="artifactDir"/>: verifies it, copies it, exports its ONNX models and
    /// builds its ANN index with the default parameters. The artifact stays untouched. Returns the existing version
    /// when the same artifact is registered already.
    /// </summary>
    public Task<ModelVersionInfo> AddAsync(string artifactDir, CancellationToken cancellationToken) =>
        AddAsync(artifactDir, AnnIndexParameters.Default, progress: null, cancellationToken);

    /// <summary>
    /// Registers the artifact in <paramref name="artifactDir"/> with the ANN index built from <paramref name="ann"/>
    /// (none when null), reporting each stage and its completed fraction to <paramref name="progress"/>.
    /// </summary>
    public async Task<ModelVersionInfo> AddAsync(string artifactDir, AnnIndexParameters? ann, IProgress<RegistrationProgress>? progress, CancellationToken cancellationToken) =>
        (await AddOrFindAsync(artifactDir, Path.GetFullPath(artifactDir), ann, progress, cancellationToken)).Info;

    /// <summary>
    /// Like <see cref="AddAsync(string, CancellationToken)"/>, recording <paramref name="source"/> as where the version
    /// came from; Existing is true when the artifact was registered before (nothing was copied).
    /// </summary>
    public Task<(ModelVersionInfo Info, bool Existing)> AddOrFindAsync(string artifactDir, string source, CancellationToken cancellationToken) =>
        AddOrFindAsync(artifactDir, source, AnnIndexParameters.Default, progress: null, cancellationToken);

    private async Task<(ModelVersionInfo Info, bool Existing)> AddOrFindAsync(
        string artifactDir, string source, AnnIndexParameters? ann, IProgress<RegistrationProgress>? progress, CancellationToken cancellationToken)
    {
        var checksum = Checksum(artifactDir);
        if (checksum is not null && (await registry.GetAsync(cancellationToken)).Versions.FirstOrDefault(v => v.Checksum == checksum) is { } existing)
        {
            return (existing, true);
        }

        var info = await registry.AddAsync(async (staging, ct) =>
        {
            progress?.Report(new RegistrationProgress(RegistrationProgress.Verifying, 0));
            var artifact = ModelArtifact.Load(artifactDir, verifyChecksums: true);
            var trainingDir = Path.Combine(staging, Training);
            Directory.CreateDirectory(trainingDir);
            progress?.Report(new RegistrationProgress(RegistrationProgress.Copying, 0));
            foreach (var file in Directory.EnumerateFiles(artifact.Directory))
            {
                File.Copy(file, Path.Combine(trainingDir, Path.GetFileName(file)));
            }

            progress?.Report(new RegistrationProgress(RegistrationProgress.Exporting, 0));
            var scoringDir = Path.Combine(staging, Scoring);
            using var exported = ItemFactorModelExporter.Export("pending", artifact.ItemFactors, artifact.Factors, artifact.ItemIds, scoringDir);
            AnnIndexRecord? record = null;
            if (ann is not null)
            {
                var items = (double)Math.Max(1, artifact.ItemIds.Count);
                var indexProgress = progress is null ? null : new Progress<long>(added => progress.Report(new RegistrationProgress(RegistrationProgress.Indexing, added / items)));
                var index = await Task.Run(() => AnnIndex.Build(artifact.ItemFactors, artifact.Factors, ann, progress: indexProgress, cancellationToken: ct), ct);
                exported.WithAnnIndex(index);
                record = ToRecord(index.Info);
            }

            await exported.SaveAsync(scoringDir, ct);
            if (record is not null)
            {
                record = record with { FileBytes = new FileInfo(Path.Combine(scoringDir, AnnIndex.FileName)).Length };
            }

            return new ModelVersionInfo(
                "pending",
                (time ?? TimeProvider.System).GetUtcNow(),
                source,
                artifact.ItemIds.Count,
                artifact.Factors,
                artifact.Manifest.Metrics,
                checksum,
                record);
        }, cancellationToken);
        return (info, false);
    }

    // The manifest lists every file's length and SHA-256 (and loading verifies them), so its hash names the artifact.
    private static string? Checksum(string artifactDir)
    {
        var manifest = Path.Combine(artifactDir, "manifest.json");
        return File.Exists(manifest) ? Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(manifest))) : null;
    }

    private static AnnIndexRecord ToRecord(AnnIndexInfo info) => new(
        info.Library ?? AnnIndex.LibraryVersion,
        info.Parameters.Metric,
        info.Parameters.Connectivity,
        info.Parameters.ExpansionAdd,
        info.Parameters.ExpansionSearch,
        info.Parameters.Quantization,
        info.Dimensions,
        info.BuildSeconds,
        info.FileBytes);
}

/// <summary>Where a registration is: a stage name and the fraction of it done (only indexing reports fractions).</summary>
public readonly record struct RegistrationProgress(string Stage, double Fraction)
{
    public const string Verifying = "verifying checksums";
    public const string Copying = "copying the artifact";
    public const string Exporting = "exporting ONNX graphs";
    public const string Indexing = "building the ANN index";
}
