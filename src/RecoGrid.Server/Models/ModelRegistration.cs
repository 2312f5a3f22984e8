using RecoGrid.Scoring.Onnx;
using RecoGrid.Storage.Models;
using RecoGrid.Training.Artifacts;

namespace RecoGrid.Server.Models;

/// <summary>
/// Registers training artifacts as model versions (verify, copy, export ONNX) and knows a version's layout: the
/// training artifact and its exported ONNX models side by side.
/// </summary>
public sealed class ModelRegistration(IModelRegistry registry, TimeProvider? time = null)
{
    /// <summary>Sub-folder with the training artifact (factors, ids, user lookup, manifest).</summary>
    public const string Training = "training";

    /// <summary>Sub-folder with the exported ONNX graphs.</summary>
    public const string Scoring = "scoring";

    /// <summary>
    /// Registers the artifact in <paramref name="artifactDir"/>: verifies it, copies it and exports its ONNX models.
    /// The artifact stays untouched.
    /// </summary>
    public Task<ModelVersionInfo> AddAsync(string artifactDir, CancellationToken cancellationToken) =>
        registry.AddAsync(async (staging, ct) =>
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
                Path.GetFullPath(artifactDir),
                artifact.ItemIds.Count,
                artifact.Factors,
                artifact.Manifest.Metrics);
        }, cancellationToken);
}
