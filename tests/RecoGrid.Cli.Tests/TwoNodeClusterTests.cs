using System.Net.Http.Json;
using System.Text.Json;

namespace RecoGrid.Cli.Tests;

/// <summary>Two real `recogrid serve` processes: an api node and a scoring node that joins it.</summary>
public sealed class TwoNodeClusterTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "recogrid-two-nodes-" + Guid.NewGuid().ToString("N"));

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        Directory.Delete(_root, recursive: true);
        return Task.CompletedTask;
    }

    [Fact]
    public async Task AnApiNodeServesModelRecommendationsRankedOnAScoringNode()
    {
        var dataDir = Path.Combine(_root, "data");
        var data = await TestModels.RegisterTwoVersionsAsync(_root, dataDir);

        var apiSettings = HostFixture.TestSettings();
        apiSettings["Models:PollInterval"] = "00:00:00.200";
        var scoringSettings = HostFixture.TestSettings();
        scoringSettings["Orleans:ClusterId"] = apiSettings["Orleans:ClusterId"];
        scoringSettings["Orleans:PrimarySiloPort"] = apiSettings["Orleans:SiloPort"];
        scoringSettings["Models:PollInterval"] = "00:00:00.200";

        await using var api = await ServerProcess.StartAsync(dataDir, apiSettings, "api");
        await using var scoring = await ServerProcess.StartAsync(dataDir, scoringSettings, "scoring");
        (await api.Http.PostAsync("/v1/admin/models/v1:promote", TestClients.EmptyJson())).EnsureSuccessStatusCode();

        // The scoring node loads the promotion on its next registry poll; until then the api node falls back.
        JsonElement recs = default;
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            recs = await api.Http.GetFromJsonAsync<JsonElement>($"/v1/users/{data.UserIds[0]}/recommendations?count=5");
            if (recs.GetProperty("source").GetString() == "model")
            {
                break;
            }

            await Task.Yield();
        }

        Assert.Equal("model", recs.GetProperty("source").GetString());
        Assert.Equal("v1", recs.GetProperty("modelVersion").GetString());
        Assert.Equal(5, recs.GetProperty("items").GetArrayLength());
        Assert.Equal("scoring", (await scoring.Http.GetFromJsonAsync<JsonElement>("/readyz")).GetProperty("role").GetString());
        Assert.Equal(System.Net.HttpStatusCode.NotFound, (await scoring.Http.GetAsync($"/v1/users/{data.UserIds[0]}/recommendations")).StatusCode);
    }
}
