using System.CommandLine;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using RecoGrid.Cli.Commands;

namespace RecoGrid.Cli.Tests;

/// <summary>/readyz on a scoring node answers ready only once the promoted model is loaded and warmed.</summary>
public sealed class ReadinessTruthTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "recogrid-readiness-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Left for the OS to clean.
        }
    }

    [Fact]
    public async Task TheFirstRecommendationAfterReadyzComesFromTheLargePromotedModel()
    {
        var artifact = Path.Combine(_root, "planted");
        var dataDir = Path.Combine(_root, "data");
        await RunAsync("generate", "--artifact", artifact, "--items", "200000", "--users", "2000", "--factors", "32", "--seed", "3");
        await RunAsync("models", "add", artifact, "--promote", "--no-ann", "--data-dir", dataDir);

        await using var server = await ServerProcess.StartAsync(dataDir);

        // No retry and no wait: the node said it is ready, so the very first answer must come from the model.
        using var response = await server.Http.GetAsync("/v1/users/user-7/recommendations?count=10");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("model", body.GetProperty("source").GetString());
        Assert.Equal(10, body.GetProperty("items").GetArrayLength());
    }

    private static async Task RunAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await RecoGridCommands.Build().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        Assert.True(code == 0, $"recogrid {string.Join(' ', args)} failed ({code}): {error}{output}");
    }
}
