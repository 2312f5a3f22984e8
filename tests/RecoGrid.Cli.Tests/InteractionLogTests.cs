using System.CommandLine;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using RecoGrid.Abstractions;
using RecoGrid.Cli.Commands;
using RecoGrid.Cli.Hosting;
using RecoGrid.Server.Ingestion;
using RecoGrid.Storage.FileSystem.Log;
using RecoGrid.Training.Artifacts;

namespace RecoGrid.Cli.Tests;

/// <summary>The interaction log through the real host: safe retries, whole batches, real erasure, training from the log.</summary>
public sealed class InteractionLogTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "recogrid-log-" + Guid.NewGuid().ToString("N"));
    private WebApplication? _app;
    private HttpClient _http = null!;

    private string DataDir => Path.Combine(_root, "data");

    private FileInteractionLogStore Log => _app!.Services.GetRequiredService<FileInteractionLogStore>();

    public async Task InitializeAsync()
    {
        var port = TestPorts.Next();
        _app = ServeHost.Build(new ServeSettings { Urls = $"http://127.0.0.1:{port}", DataDir = DataDir, Overrides = HostFixture.TestSettings() });
        await _app.StartAsync();
        _http = TestClients.Admin(port, DataDir);
        Assert.Equal(HttpStatusCode.OK, (await Readiness.WaitAsync(_http)).StatusCode);
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

    private async Task<JsonElement> Post(object body, HttpStatusCode expected = HttpStatusCode.Accepted)
    {
        using var response = await _http.PostAsJsonAsync("/v1/events", body);
        Assert.Equal(expected, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private async Task<long> TotalEvents(string user) =>
        (await _http.GetFromJsonAsync<JsonElement>($"/v1/users/{Uri.EscapeDataString(user)}")).GetProperty("totalEvents").GetInt64();

    /// <summary>Users whose events go to distinct log partitions.</summary>
    private static string[] UsersInDistinctPartitions(string prefix, int count, int partitions)
    {
        var chosen = new Dictionary<int, string>();
        for (var i = 0; chosen.Count < count; i++)
        {
            var user = $"{prefix}-{i}";
            chosen.TryAdd(ShardHash.Shard(user, partitions), user);
        }

        return [.. chosen.Values];
    }

    [Fact]
    public async Task ARetriedBatchWithEventIdsIsAcknowledgedButNeverCountedTwice()
    {
        var users = UsersInDistinctPartitions("retry", 3, Log.Partitions);
        var batch = new { events = users.Select((u, i) => new { userId = u, itemId = "book", type = "view", eventId = $"evt-{i}" }) };

        var first = await Post(batch);
        var retry = await Post(batch);
        var withoutIds = await Post(new { events = new[] { new { userId = users[0], itemId = "book", type = "view" } } });

        Assert.Equal((3, 0), (first.GetProperty("accepted").GetInt32(), first.GetProperty("duplicates").GetInt32()));
        Assert.Equal((0, 3), (retry.GetProperty("accepted").GetInt32(), retry.GetProperty("duplicates").GetInt32()));
        Assert.Equal(1, withoutIds.GetProperty("accepted").GetInt32());
        var totals = await Task.WhenAll(users.Select(TotalEvents));
        Assert.Equal([2L, 1, 1], totals);
    }

    [Fact]
    public async Task ABatchThatCannotBeMadeDurableAnswers503AndLeavesNothingBehindUntilARetrySucceeds()
    {
        var users = UsersInDistinctPartitions("atomic", 3, Log.Partitions);
        var failing = ShardHash.Shard(users[1], Log.Partitions);
        var batch = new { events = users.Select((u, i) => new { userId = u, itemId = "kettle", type = "purchase", eventId = $"buy-{i}" }) };

        Log.FaultInjector = (partition, operation) =>
            partition == failing && operation == FileLogOperation.Flush ? new IOException("No space left on device (injected)") : null;
        using (var refused = await _http.PostAsJsonAsync("/v1/events", batch))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "503 without a Retry-After");
        }

        var before = await Task.WhenAll(users.Select(TotalEvents));
        Assert.Equal([0L, 0, 0], before);
        Assert.Empty(await Snapshot());

        Log.FaultInjector = null;
        var retried = await Post(batch);
        Assert.Equal((3, 0), (retried.GetProperty("accepted").GetInt32(), retried.GetProperty("duplicates").GetInt32()));
        var after = await Task.WhenAll(users.Select(TotalEvents));
        Assert.Equal([1L, 1, 1], after);
        Assert.Equal(3, (await Snapshot()).Count(e => users.Contains(e.UserId)));
    }

    [Fact]
    public async Task AnErasedUsersEventsAreGoneFromStateRecommendationsAndTheLogExport()
    {
        var items = Enumerable.Range(0, 4).Select(i => $"erasable-{i}").ToArray();
        await Post(new { events = items.Select(item => new { userId = "to-erase", itemId = item, type = "purchase" }) });
        await Post(new { events = new[] { new { userId = "stays", itemId = items[0], type = "view" } } });

        using (var deleted = await _http.DeleteAsync("/v1/users/to-erase"))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        Assert.Equal(0, await TotalEvents("to-erase"));
        var exported = await Snapshot();
        Assert.DoesNotContain(exported, e => e.UserId == "to-erase");
        Assert.Contains(exported, e => e.UserId == "stays");

        // Events after the erasure are a new history.
        await Post(new { events = new[] { new { userId = "to-erase", itemId = items[1], type = "view" } } });
        Assert.Equal(1, await TotalEvents("to-erase"));
        Assert.Single(await Snapshot(), e => e.UserId == "to-erase");
    }

    [Fact]
    public async Task TrainFromLogTrainsOnExactlyWhatTheServerAcknowledged()
    {
        var random = new Random(7);
        var events = Enumerable.Range(0, 400).Select(i => new { userId = $"u{random.Next(40)}", itemId = $"i{random.Next(30)}", type = "view" }).ToArray();
        foreach (var chunk in events.Chunk(100))
        {
            await Post(new { events = chunk });
        }

        await _http.DeleteAsync("/v1/users/u0");
        var acknowledged = events.Where(e => e.userId != "u0").ToArray();

        var artifactDir = Path.Combine(_root, "artifact");
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await RecoGridCommands.Build()
            .Parse(["train", "--from-log", "--data-dir", DataDir, "--out", artifactDir, "--factors", "4", "--iterations", "2"])
            .InvokeAsync(new InvocationConfiguration { Output = output, Error = error });

        Assert.True(exitCode == 0, error.ToString());
        var artifact = ModelArtifact.Load(artifactDir);
        var (userIds, _) = artifact.ReadAllUsers();
        Assert.Equal(acknowledged.Select(e => e.userId).Distinct().Order(StringComparer.Ordinal), userIds.Order(StringComparer.Ordinal));
        Assert.Equal(acknowledged.Select(e => e.itemId).Distinct().Count(), artifact.ItemIds.Count);
    }

    private async Task<List<LoggedInteraction>> Snapshot()
    {
        var result = new List<LoggedInteraction>();
        await foreach (var e in LogSnapshot.ReadAsync(Log, until: null))
        {
            result.Add(e);
        }

        return result;
    }
}
