using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using RecoGrid.Cli.Hosting;
using RecoGrid.Training.Artifacts;

namespace RecoGrid.Cli.Tests;

/// <summary>Model registration reaches only the import folder, never echoes server paths, and registers an artifact once.</summary>
public sealed class AdminSurfaceTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "recogrid-admin-" + Guid.NewGuid().ToString("N"));
    private WebApplication? _app;
    private HttpClient _http = null!;

    private string DataDir => Path.Combine(_root, "data");

    private string Import => Path.Combine(DataDir, "import");

    public async Task InitializeAsync()
    {
        var port = TestPorts.Next();
        _app = ServeHost.Build(new ServeSettings { Urls = $"http://127.0.0.1:{port}", DataDir = DataDir, Overrides = HostFixture.TestSettings() });
        await _app.StartAsync();
        _http = TestClients.Admin(port, DataDir);
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        Directory.Delete(_root, recursive: true);
    }

    private static void WriteArtifact(string folder)
    {
        ModelArtifact.Write(folder, new ModelArtifactContent
        {
            Factors = 2,
            ItemIds = ["a", "b", "c"],
            ItemFactors = new float[] { 1, 0, 0, 1, 1, 1 },
            Training = new JsonObject { ["alpha"] = 1.0, ["lambda"] = 0.1, ["reg_exponent"] = 0.0 },
        });
    }

    private Task<HttpResponseMessage> Register(string path) =>
        _http.PostAsync("/v1/admin/models", new StringContent(JsonSerializer.Serialize(new { path }), Encoding.UTF8, "application/json"));

    [Fact]
    public async Task AnArtifactInTheImportFolderIsRegisteredOnceAndAgainIsRecognizedByItsChecksum()
    {
        WriteArtifact(Path.Combine(Import, "first"));
        using var first = await Register("first");
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var created = await first.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("import/first", created.GetProperty("source").GetString());
        Assert.DoesNotContain(_root, created.ToString(), StringComparison.Ordinal);

        // The same files under another name are the same artifact.
        Directory.CreateDirectory(Path.Combine(Import, "copy"));
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Import, "first")))
        {
            File.Copy(file, Path.Combine(Import, "copy", Path.GetFileName(file)));
        }

        using var again = await Register("copy");
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(created.GetProperty("version").GetString(), (await again.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("version").GetString());
        var versions = Directory.EnumerateDirectories(Path.Combine(DataDir, "models")).Where(d => !Path.GetFileName(d).StartsWith('.')).ToList();
        Assert.Single(versions);
    }

    [Theory]
    [InlineData("/etc")]
    [InlineData("/nonexistent")]
    [InlineData("../grains")]
    [InlineData("ok/../../log")]
    [InlineData("..")]
    [InlineData("C:\\Windows")]
    [InlineData("missing")]
    public async Task NamesOutsideTheImportFolderAllGetTheSameAnswerWithNoServerPath(string path)
    {
        using var response = await Register(path);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        var reason = problem.GetProperty("errors").GetProperty("path")[0].GetString();
        Assert.Contains("names no artifact folder in the model import folder", reason, StringComparison.Ordinal);
        Assert.DoesNotContain(_root, problem.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("manifest", reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AManifestNamingAFileOutsideItsFolderIsRefusedWithoutReadingIt()
    {
        var folder = Path.Combine(Import, "crafted");
        WriteArtifact(folder);
        var manifestPath = Path.Combine(folder, "manifest.json");
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(manifestPath))!;
        manifest["files"]!["/etc/hostname"] = new JsonObject { ["length"] = 1, ["sha256"] = new string('0', 64) };
        await File.WriteAllTextAsync(manifestPath, manifest.ToJsonString());

        using var response = await Register("crafted");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("not a file name in the artifact's own folder", text, StringComparison.Ordinal);
        Assert.DoesNotContain("bytes on disk", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnArtifactFolderWithALinkIsRefused()
    {
        var folder = Path.Combine(Import, "linked");
        WriteArtifact(folder);
        File.CreateSymbolicLink(Path.Combine(folder, "extra"), "/etc/hostname");
        using var response = await Register("linked");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Directory.CreateSymbolicLink(Path.Combine(Import, "outside"), Path.GetTempPath());
        using var outside = await Register("outside");
        Assert.Equal(HttpStatusCode.BadRequest, outside.StatusCode);
    }
}
