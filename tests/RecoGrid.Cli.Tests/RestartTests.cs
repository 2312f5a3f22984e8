using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace RecoGrid.Cli.Tests;

public sealed class RestartTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "recogrid-restart-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    [Fact]
    public async Task EveryAcknowledgedEventSurvivesAKillDashNineAndRestart()
    {
        var users = Enumerable.Range(0, 20).Select(i => $"user-{i}").ToArray();
        // Popularity counts are derived data persisted every Popularity:PersistInterval; zero makes them as durable
        // as the events themselves, which this test checks too.
        var settings = HostFixture.TestSettings();
        settings["Popularity:PersistInterval"] = "00:00:00";
        await using (var server = await ServerProcess.StartAsync(_dataDir, settings))
        {
            // Concurrent batches, so several events per user arrive together.
            var posts = Enumerable.Range(0, 10).Select(async round =>
            {
                var events = users.Select(u => new { userId = u, itemId = $"item-{round}", type = "click" }).ToArray();
                using var response = await server.Http.PostAsJsonAsync("/v1/events", new { events });
                return response.StatusCode;
            });
            var statuses = await Task.WhenAll(posts);
            Assert.All(statuses, s => Assert.Equal(HttpStatusCode.Accepted, s));
            (await server.Http.PutAsJsonAsync("/v1/items/item-3", new { categories = new[] { "c" }, available = false })).EnsureSuccessStatusCode();

            await server.KillHardAsync();
        }

        await using (var restarted = await ServerProcess.StartAsync(_dataDir, settings))
        {
            foreach (var user in users)
            {
                var summary = await restarted.Http.GetFromJsonAsync<JsonElement>($"/v1/users/{user}");
                Assert.Equal(10, summary.GetProperty("totalEvents").GetInt64());
                Assert.Equal(10, summary.GetProperty("counters").GetProperty("click").GetInt64());
            }

            var item = await restarted.Http.GetFromJsonAsync<JsonElement>("/v1/items/item-3");
            Assert.False(item.GetProperty("available").GetBoolean());

            var recs = await restarted.Http.GetFromJsonAsync<JsonElement>("/v1/users/newcomer/recommendations?count=20");
            var ids = recs.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("itemId").GetString()).ToList();
            Assert.Equal(9, ids.Count);
            Assert.DoesNotContain("item-3", ids);
        }
    }
}
