using System.Security.Cryptography;
using RecoGrid.Scoring.Onnx;
using RecoGrid.Storage.Models;
using RecoGrid.Training.Artifacts;

namespace RecoGrid.Server.Models;

/// <summary>
/// Registers training artifacts as model versions (verify, copy, export ONNX) and knows a version's layout: the
/// training artifact and its exported ONNX models side by side. An artifact registered again (the same manifest, so
/// the same files by their SHA-256) is recognized by its checksum and not copied a second time.
/// </summary>
public sealed class ModelRegistration(IModelRegistry registry, TimeProvider? time = null)
{
    /// <summary>Sub-folder with the training artifact (factors, ids, user lookup, manifest).</summary>
    public const string Training = "training";

    /// <summary>Sub-folder with the exported ONNX graphs.</summary>
    public const string Scoring = "scoring";

    /// <summary>
    /// Registers the artifact in <paramref name="artifactDir"/>: verifies it, copies it and exports its ONNX models.
    /// The artifact stays untouched. Returns the existing version when the same artifact is registered already.
    /// </summary>
    public async Task<ModelVersionInfo> AddAsync(string artifactDir, CancellationToken cancellationToken) =>
        (await AddOrFindAsync(artifactDir, Path.GetFullPath(artifactDir), cancellationToken)).Info;

    /// <summary>
    /// Like <see cref="AddAsync"/>, recording <paramref name="source"/> as where the version came from; Existing is
    /// true when the artifact was registered before (nothing was copied).
    /// </summary>
    public async Task<(ModelVersionInfo Info, bool Existing)> AddOrFindAsync(string artifactDir, string source, CancellationToken cancellationToken)
    {
        var checksum = Checksum(artifactDir);
        if (checksum is not null && (await registry.GetAsync(cancellationToken)).Versions.FirstOrDefault(v => v.Checksum == checksum) is { } existing)
        {
            return (existing, true);
        }

        var info = await registry.AddAsync(async (staging, ct) =>
        {
            var artifact = ModelArtifact.Load(artifactDir, verifyChecksums: true);
            var trainingDir = Path.Combine(staging, Training);
            Directory.CreateDirectory(trainingDir);
            foreach (var file in Directory.EnumerateFiles(artifact.Directory))
            {
                File.Copy(file, Path.Combine(trainingDir, Path.GetFileName(file)));
            }

            var exported = ItemFactorModelExporter.Export("pending", artifact.ItemFactors, artifact.Factors, artifact.ItemIds);
            await exported.SaveAsync(Path.Combine(staging, Scoring), ct);
            return new ModelVersionInfo(
                "pending",
                (time ?? TimeProvider.System).GetUtcNow(),
                source,
                artifact.ItemIds.Count,
                artifact.Factors,
                artifact.Manifest.Metrics,
                checksum);
        }, cancellationToken);
        return (info, false);
    }

    // The manifest lists every file's length and SHA-256 (and loading verifies them), so its hash names the artifact.
    private static string? Checksum(string artifactDir)
    {
        var manifest = Path.Combine(artifactDir, "manifest.json");
        return File.Exists(manifest) ? Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(manifest))) : null;
    }
}
