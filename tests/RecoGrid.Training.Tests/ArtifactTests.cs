using System.Text.Json.Nodes;
using RecoGrid.Training.Artifacts;

namespace RecoGrid.Training.Tests;

public sealed class ArtifactTests : IDisposable
{
    private const int Factors = 4;

    private readonly DataTempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static float[] FactorsFor(int rows, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, rows * Factors).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
    }

    private static string[] UserIds(int count) =>
        [.. Enumerable.Range(0, count).Select(u => u switch
        {
            0 => "ünïcødé-user",
            1 => new string('x', 600),
            _ => "user-" + u,
        })];

    private string WriteSample(bool withUsers = true, int users = 300)
    {
        var directory = _folder.File("model");
        ModelArtifact.Write(directory, new ModelArtifactContent
        {
            Factors = Factors,
            ItemIds = ["a", "b", "c"],
            ItemFactors = FactorsFor(3, 1),
            UserIds = withUsers ? UserIds(users) : null,
            UserFactors = withUsers ? FactorsFor(users, 2) : default,
            Training = new JsonObject { ["algorithm"] = "ials", ["alpha"] = 2.0 },
            Data = new JsonObject { ["users"] = users },
            Metrics = new Dictionary<string, double> { ["ndcg@100"] = 0.42 },
        });
        return directory;
    }

    [Fact]
    public void AnArtifactRoundTrips()
    {
        var directory = WriteSample();

        var artifact = ModelArtifact.Load(directory);

        Assert.Equal(["a", "b", "c"], artifact.ItemIds);
        Assert.Equal(FactorsFor(3, 1), artifact.ItemFactors);
        Assert.Equal(Factors, artifact.Factors);
        Assert.Equal(300, artifact.Manifest.Users);
        Assert.Equal("ials", (string?)artifact.Manifest.Training?["algorithm"]);
        Assert.Equal(0.42, artifact.Manifest.Metrics?["ndcg@100"]);
        Assert.Equal(
            ["item_factors.bin", "item_ids.txt", "user_factors.bin", "user_ids.txt", "user_index.bin"],
            artifact.Manifest.Files.Keys.Order());
        Assert.Equal(3 * Factors * 4, artifact.Manifest.Files["item_factors.bin"].Length);
        var (ids, userFactors) = artifact.ReadAllUsers();
        Assert.Equal(UserIds(300), ids);
        Assert.Equal(FactorsFor(300, 2), userFactors);
    }

    [Fact]
    public void TheManifestIsReadableJsonWithChecksums()
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(WriteSample(), "manifest.json")))!;

        Assert.Equal(ArtifactManifest.CurrentFormatVersion, (int)json["format_version"]!);
        Assert.Equal(Factors, (int)json["factors"]!);
        Assert.Equal(64, ((string)json["files"]!["item_ids.txt"]!["sha256"]!).Length);
    }

    [Fact]
    public void ACorruptFileIsRejectedByName()
    {
        var directory = WriteSample();
        var path = Path.Combine(directory, "item_factors.bin");
        var bytes = File.ReadAllBytes(path);
        bytes[5] ^= 0xFF;
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<ModelArtifactException>(() => ModelArtifact.Load(directory));

        Assert.Equal("item_factors.bin", error.FileName);
        Assert.Contains("checksum", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ATruncatedFileIsRejectedByName()
    {
        var directory = WriteSample();
        var path = Path.Combine(directory, "user_factors.bin");
        using (var stream = File.OpenWrite(path))
        {
            stream.SetLength(stream.Length - 3);
        }

        var load = Assert.Throws<ModelArtifactException>(() => ModelArtifact.Load(directory));
        var lookup = Assert.Throws<ModelArtifactException>(() => UserVectorLookup.Open(directory));

        Assert.Equal("user_factors.bin", load.FileName);
        Assert.Contains("truncated", load.Message, StringComparison.Ordinal);
        Assert.Equal("user_factors.bin", lookup.FileName);
    }

    [Fact]
    public void AMissingManifestIsAClearError()
    {
        var directory = WriteSample();
        File.Delete(Path.Combine(directory, "manifest.json"));

        var error = Assert.Throws<ModelArtifactException>(() => ModelArtifact.Load(directory));

        Assert.Equal("manifest.json", error.FileName);
    }

    [Fact]
    public void AUsersVectorIsFoundById()
    {
        var directory = WriteSample();
        var expected = FactorsFor(300, 2);
        var ids = UserIds(300);
        using var lookup = UserVectorLookup.Open(directory);
        var vector = new float[Factors];

        foreach (var row in new[] { 0, 1, 2, 150, 299 })
        {
            Assert.True(lookup.TryGet(ids[row], vector));
            Assert.Equal(expected.AsSpan(row * Factors, Factors).ToArray(), vector);
        }
    }

    [Fact]
    public void AnUnknownUserIsNotFound()
    {
        using var lookup = UserVectorLookup.Open(WriteSample());

        Assert.False(lookup.TryGet("user-300", new float[Factors]));
        Assert.False(lookup.TryGet("", new float[Factors]));
        Assert.False(lookup.TryGet(new string('x', 599), new float[Factors]));
    }

    [Fact]
    public void LookupsCanRunConcurrently()
    {
        var directory = WriteSample();
        var expected = FactorsFor(300, 2);
        var ids = UserIds(300);
        using var lookup = UserVectorLookup.Open(directory);
        var mismatches = 0;

        Parallel.For(0, ids.Length, row =>
        {
            Span<float> vector = stackalloc float[Factors];
            if (!lookup.TryGet(ids[row], vector) || !vector.SequenceEqual(expected.AsSpan(row * Factors, Factors)))
            {
                Interlocked.Increment(ref mismatches);
            }
        });

        Assert.Equal(0, mismatches);
    }

    [Fact]
    public void AnArtifactWithoutUsersHasNoLookup()
    {
        var artifact = ModelArtifact.Load(WriteSample(withUsers: false));

        Assert.False(artifact.HasUserFactors);
        Assert.Throws<ModelArtifactException>(artifact.OpenUserLookup);
    }

    [Fact]
    public void RewritingWithoutUsersRemovesTheOldUserFiles()
    {
        WriteSample();
        var directory = WriteSample(withUsers: false);

        Assert.False(File.Exists(Path.Combine(directory, "user_index.bin")));
        Assert.Equal(2, ModelArtifact.Load(directory).Manifest.Files.Count);
    }
}
