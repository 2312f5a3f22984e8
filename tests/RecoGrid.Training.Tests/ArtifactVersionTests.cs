using System.Text.Json.Nodes;
using RecoGrid.Training.Artifacts;
using RecoGrid.Training.Solvers;

namespace RecoGrid.Training.Tests;

/// <summary>The manifest's typed model and solve sections, and reading artifacts written before they existed.</summary>
public sealed class ArtifactVersionTests : IDisposable
{
    // Written by `recogrid train` before format 2, with --alpha 2.5 --lambda 0.3 --reg-exponent 0.25.
    private static readonly string Version1Fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "artifact-v1");

    private readonly DataTempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string CopyOfFixture()
    {
        var directory = _folder.File("v1");
        Directory.CreateDirectory(directory);
        foreach (var file in Directory.EnumerateFiles(Version1Fixture))
        {
            File.Copy(file, Path.Combine(directory, Path.GetFileName(file)));
        }

        return directory;
    }

    private static void EditManifest(string directory, Action<JsonObject> edit)
    {
        var path = Path.Combine(directory, "manifest.json");
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(json);
        File.WriteAllText(path, json.ToJsonString());
    }

    [Fact]
    public void AVersion1ArtifactLoadsWithTheSolveParametersItsTrainingRecorded()
    {
        var artifact = ModelArtifact.Load(Version1Fixture);

        Assert.Equal(1, artifact.Manifest.FormatVersion);
        Assert.Equal("ials", artifact.Manifest.Model);
        Assert.Equal(new IalsSolveParameters(2.5f, 0.3f, 0.25f), artifact.Manifest.Solve);
        Assert.Equal(new IalsSolveParameters(2.5f, 0.3f, 0.25f), artifact.Manifest.SolveParameters);
        Assert.Equal(["a", "b", "c"], artifact.ItemIds);
        Assert.Equal(4, artifact.Manifest.Users);
    }

    [Fact]
    public void AVersion1ArtifactWithoutSomeConstantsGetsTheDefaultsForThem()
    {
        var directory = CopyOfFixture();
        EditManifest(directory, json =>
        {
            var training = json["training"]!.AsObject();
            training.Remove("lambda");
            training.Remove("reg_exponent");
        });

        var parameters = ModelArtifact.Load(directory).Manifest.SolveParameters;

        Assert.Equal(new IalsSolveParameters(2.5f, IalsSolveParameters.Default.Lambda, IalsSolveParameters.Default.RegularizationExponent), parameters);
    }

    [Fact]
    public void AVersion1ArtifactWithoutTrainingSettingsGetsTheDefaults()
    {
        var directory = CopyOfFixture();
        EditManifest(directory, json => json.Remove("training"));

        Assert.Equal(IalsSolveParameters.Default, ModelArtifact.Load(directory).Manifest.SolveParameters);
    }

    [Fact]
    public void TheModelAndSolveSectionsRoundTripInVersion2()
    {
        var directory = _folder.File("v2");
        var parameters = new IalsSolveParameters(Alpha: 7.5f, Lambda: 0.05f, RegularizationExponent: 1.25f);
        ModelArtifact.Write(directory, new ModelArtifactContent
        {
            Model = ArtifactManifest.IalsModel,
            Solve = parameters,
            Factors = 2,
            ItemIds = ["x", "y"],
            ItemFactors = new float[] { 1, 2, 3, 4 },

            // Free-form settings that disagree: the typed section is what counts from version 2 on.
            Training = new JsonObject { ["alpha"] = 1.0 },
        });

        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(directory, "manifest.json")))!;
        var manifest = ModelArtifact.Load(directory).Manifest;

        Assert.Equal(2, (int)json["format_version"]!);
        Assert.Equal("ials", (string?)json["model"]);
        Assert.Equal(7.5, (double)json["solve"]!["alpha"]!);
        Assert.Equal(1.25, (double)json["solve"]!["reg_exponent"]!);
        Assert.Equal(ArtifactManifest.CurrentFormatVersion, manifest.FormatVersion);
        Assert.Equal("ials", manifest.Model);
        Assert.Equal(parameters, manifest.Solve);
        Assert.Equal(parameters, manifest.SolveParameters);
    }

    [Fact]
    public void AnIncompleteSolveSectionIsRefused()
    {
        var directory = CopyOfFixture();
        EditManifest(directory, json =>
        {
            json["format_version"] = 2;
            json["solve"] = new JsonObject { ["alpha"] = 1.0, ["lambda"] = 0.1 };
        });

        var error = Assert.Throws<ModelArtifactException>(() => ModelArtifact.Load(directory));

        Assert.Equal("manifest.json", error.FileName);
        Assert.Contains("reg_exponent", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ANewerFormatVersionIsRefusedNamingTheFileAndTheVersions()
    {
        var directory = CopyOfFixture();
        EditManifest(directory, json =>
        {
            json["format_version"] = 99;

            // A future layout may change existing sections; the version must be refused before they are read.
            json["solve"] = "something else";
        });

        var error = Assert.Throws<ModelArtifactException>(() => ModelArtifact.Load(directory));

        Assert.Equal("manifest.json", error.FileName);
        Assert.Equal(directory, error.Directory);
        Assert.Contains(directory, error.Message, StringComparison.Ordinal);
        Assert.Contains("format version 99", error.Message, StringComparison.Ordinal);
        Assert.Contains($"versions 1 to {ArtifactManifest.CurrentFormatVersion}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AManifestWithoutAFormatVersionIsRefused()
    {
        var directory = CopyOfFixture();
        EditManifest(directory, json => json.Remove("format_version"));

        var error = Assert.Throws<ModelArtifactException>(() => ModelArtifact.Load(directory));

        Assert.Contains("format_version", error.Message, StringComparison.Ordinal);
    }
}
