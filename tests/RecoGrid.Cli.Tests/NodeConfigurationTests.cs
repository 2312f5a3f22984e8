using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Options;
using RecoGrid.Cli.Hosting;

namespace RecoGrid.Cli.Tests;

/// <summary>One limit per setting, and settings nothing reads are reported before the node starts.</summary>
public sealed class NodeConfigurationTests
{
    [Fact]
    public async Task TheApiLimitIsTheOnlyCapOnCountEvenOnTheModelPath()
    {
        var root = Path.Combine(Path.GetTempPath(), "recogrid-limits-" + Guid.NewGuid().ToString("N"));
        var dataDir = Path.Combine(root, "data");
        var data = await TestModels.RegisterTwoVersionsAsync(root, dataDir, items: 800);
        var settings = HostFixture.TestSettings();
        settings["Api:MaxRecommendations"] = "1000";
        var port = TestPorts.Next();
        await using var app = ServeHost.Build(new ServeSettings { Urls = $"http://127.0.0.1:{port}", DataDir = dataDir, Overrides = settings });
        await app.StartAsync();
        using var http = TestClients.Admin(port, dataDir);
        (await http.PostAsync("/v1/admin/models/v1:promote", TestClients.EmptyJson())).EnsureSuccessStatusCode();

        var recs = await http.GetFromJsonAsync<JsonElement>($"/v1/users/{data.UserIds[0]}/recommendations?count=600&excludeSeen=false");
        Assert.Equal("model", recs.GetProperty("source").GetString());
        Assert.Equal(600, recs.GetProperty("items").GetArrayLength());

        using var tooMany = await http.GetAsync($"/v1/users/{data.UserIds[0]}/recommendations?count=1001");
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
        Assert.Contains("between 1 and 1000", await tooMany.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        await app.StopAsync();
        Directory.Delete(root, recursive: true);
    }

    [Fact]
    public async Task AMisspeltSettingStopsStartUpNamingTheClosestKnownKey()
    {
        var dataDir = Path.Combine(Path.GetTempPath(), "recogrid-typo-" + Guid.NewGuid().ToString("N"));
        var settings = HostFixture.TestSettings();
        settings["Api:MaxRecomendations"] = "1000";
        settings["Popularity:HalfLive"] = "1.00:00:00";
        await using var app = ServeHost.Build(new ServeSettings { Urls = $"http://127.0.0.1:{TestPorts.Next()}", DataDir = dataDir, Overrides = settings });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        var message = string.Join(" ", error.Failures);
        Assert.Contains("Unknown setting 'Api:MaxRecomendations'; did you mean 'Api:MaxRecommendations'?", message, StringComparison.Ordinal);
        Assert.Contains("'Popularity:HalfLive'; did you mean 'Popularity:HalfLife'?", message, StringComparison.Ordinal);
        Directory.Delete(dataDir, recursive: true);
    }
}
