using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using RecoGrid.Abstractions;
using RecoGrid.Server.Ingestion;

namespace RecoGrid.Cli.Tests;

/// <summary>Every accepted id can be read and erased; ids stored before the rule are reached through the escaped form.</summary>
[Collection(HostCollection.Name)]
public sealed class IdAddressingTests(HostFixture host)
{
    private HttpClient Http => host.Http;

    private static string Escaped(string id) => Convert.ToBase64String(Encoding.UTF8.GetBytes(id)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private async Task<JsonElement> User(string path)
    {
        using var response = await Http.GetAsync(path);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData(".")]
    [InlineData("zero\u200Bwidth")]
    public async Task AUserStoredBeforeTheRuleIsReadAndErasedThroughTheEscapedForm(string legacyId)
    {
        var id = legacyId + "-" + Guid.NewGuid().ToString("N")[..6];
        if (legacyId is "." or "..")
        {
            id = legacyId;
        }

        // Plant events the API no longer accepts, as an older version of RecoGrid did.
        var ingestion = host.Services.GetRequiredService<EventIngestion>();
        await ingestion.IngestAsync([new LoggedEvent(id, new Interaction("legacy-item", "view", 1, null, DateTimeOffset.UtcNow), null)]);
        var path = $"/v1/users/{Escaped(id)}?idEncoding=base64url";
        var before = await User(path);
        Assert.True(before.GetProperty("totalEvents").GetInt64() >= 1);
        Assert.Equal(id, before.GetProperty("userId").GetString());
        Assert.Equal(HttpStatusCode.OK, (await Http.GetAsync($"/v1/users/{Escaped(id)}/recommendations?idEncoding=base64url")).StatusCode);

        Assert.Equal(HttpStatusCode.NoContent, (await Http.DeleteAsync(path)).StatusCode);

        var after = await User(path);
        Assert.False(after.GetProperty("exists").GetBoolean());
        Assert.Equal(0, after.GetProperty("totalEvents").GetInt64());
    }

    [Fact]
    public async Task LookAlikeSpellingsOfAnIdAreOneUser()
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var composed = "caf\u00e9-" + suffix;
        var decomposed = "cafe\u0301-" + suffix;
        using var response = await Http.PostAsJsonAsync("/v1/events", new { events = new[] { new { userId = decomposed, itemId = "i", type = "view" }, new { userId = composed, itemId = "j", type = "view" } } });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var summary = await User($"/v1/users/{Uri.EscapeDataString(composed)}");
        Assert.Equal(2, summary.GetProperty("totalEvents").GetInt64());
        Assert.Equal(composed, summary.GetProperty("userId").GetString());
        Assert.Equal(2, (await User($"/v1/users/{Uri.EscapeDataString(decomposed)}")).GetProperty("totalEvents").GetInt64());
    }

    [Theory]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("bidi\u202Eevil")]
    [InlineData("\uFEFFbom")]
    public async Task EventsWithIdsThatCouldNotBeAddressedAreRejected(string id)
    {
        using var response = await Http.PostAsJsonAsync("/v1/events", new { events = new[] { new { userId = id, itemId = "i", type = "view" } } });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("events[0].userId", out _));
        using var item = await Http.PutAsJsonAsync($"/v1/items/ok", new { itemId = id });
        Assert.Equal(HttpStatusCode.BadRequest, item.StatusCode);
    }

    [Fact]
    public async Task AnUnknownIdEncodingOrABadEscapedIdIsRejected()
    {
        Assert.Equal(HttpStatusCode.BadRequest, (await Http.GetAsync("/v1/users/abc?idEncoding=hex")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Http.GetAsync("/v1/users/***?idEncoding=base64url")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await Http.DeleteAsync("/v1/users/_w?idEncoding=base64url")).StatusCode);
    }
}
