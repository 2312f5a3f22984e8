using Microsoft.Playwright;

namespace RecoGrid.Console.Tests;

/// <summary>The web console as an operator uses it, in headless chromium against a real node.</summary>
public sealed class ConsoleTests(ConsoleFixture node) : IClassFixture<ConsoleFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TheConsoleLoadsAndShowsTheNodeWithItsRoleStatusAndServedModel()
    {
        var page = await node.OpenConsoleAsync("#/cluster");
        var row = page.Locator("#nodes tbody tr.node-row").First;
        await row.WaitForAsync();
        Assert.Equal("all", (await row.Locator("td.role").InnerTextAsync()).Trim());
        Assert.Equal("active", (await row.Locator(".badge").InnerTextAsync()).Trim());
        Assert.Contains("(this node)", await row.InnerTextAsync(), StringComparison.Ordinal);

        // The node reports the model it serves every 2 s; the page shows it once reported.
        var promoted = await node.PromotedAsync();
        await RefreshUntilAsync(page, "cluster", async () => (await row.Locator("td.model").InnerTextAsync()).Trim() == promoted);
        Assert.Contains($"promoted model: {promoted}", await page.InnerTextAsync("#cluster-summary"), StringComparison.Ordinal);
        await ConsoleFixture.ScreenshotAsync(page, "cluster");
    }

    [Fact]
    public async Task TheModelsPageListsTheVersionsAndPromotesOneOnlyAfterConfirmation()
    {
        var page = await node.OpenConsoleAsync("#/models");
        await page.Locator("#models tr.model-row").Nth(1).WaitForAsync();
        Assert.Equal(2, await page.Locator("#models tr.model-row").CountAsync());
        var before = await node.PromotedAsync();
        var other = before == "v1" ? "v2" : "v1";
        var button = page.Locator($"#models button.promote[data-version='{other}']");

        // Cancelling the confirmation changes nothing.
        await button.ClickAsync();
        await page.Locator("#confirm[open]").WaitForAsync();
        await page.ClickAsync("#confirm button[value=cancel]");
        Assert.Equal(before, await node.PromotedAsync());

        await button.ClickAsync();
        Assert.Contains($"Promote {other}?", await page.InnerTextAsync("#confirm-title"), StringComparison.Ordinal);
        await ConsoleFixture.ScreenshotAsync(page, "models-confirm");
        await page.ClickAsync("#confirm-ok");
        await page.Locator($"#models tr.model-row[data-version='{other}'] .badge.promoted").WaitForAsync();
        Assert.Equal(other, await node.PromotedAsync());
        Assert.Contains($"{other} is promoted", await page.InnerTextAsync("#notice"), StringComparison.Ordinal);
        Assert.Equal(1, await page.Locator($"#models button.promote[data-version='{before}']").CountAsync());
        await ConsoleFixture.ScreenshotAsync(page, "models");
    }

    [Fact]
    public async Task TheUserInspectorShowsAUsersStateRecentEventsAndRecommendations()
    {
        var page = await node.OpenConsoleAsync("#/users");
        await page.FillAsync("#user-id", "alice");
        await page.ClickAsync("#user-form button[type=submit]");
        await page.Locator("#user:not([hidden])").WaitForAsync();
        var facts = await page.InnerTextAsync("#user-state");
        Assert.Contains("alice", facts, StringComparison.Ordinal);
        Assert.Contains("purchase 1", facts, StringComparison.Ordinal);
        var events = await page.InnerTextAsync("#user-events tbody");
        Assert.Contains("dune", events, StringComparison.Ordinal);
        Assert.Contains("emma", events, StringComparison.Ordinal);

        // Seen items are excluded, so what is recommended comes from the two alice has not touched.
        var recommended = await page.Locator("#user-recommendations tr.recommendation-row").AllInnerTextsAsync();
        Assert.NotEmpty(recommended);
        Assert.All(recommended, row => Assert.DoesNotContain("dune", row, StringComparison.Ordinal));
        Assert.Contains("source:", await page.InnerTextAsync("#user-source"), StringComparison.Ordinal);
        Assert.Contains("#/users/alice", page.Url, StringComparison.Ordinal);
        await ConsoleFixture.ScreenshotAsync(page, "user");
    }

    [Fact]
    public async Task TheLivePageChartsTheClusterAndEmptyPagesSaySo()
    {
        var page = await node.OpenConsoleAsync("#/live");
        await page.WaitForFunctionAsync("() => /node\\(s\\)/.test(document.querySelector('#live-status').textContent)", null, new PageWaitForFunctionOptions { Timeout = (float)Patience.TotalMilliseconds });
        Assert.Equal(4, await page.Locator(".charts canvas").CountAsync());
        await ConsoleFixture.ScreenshotAsync(page, "live");

        await page.ClickAsync("#tabs a[data-page=experiments]");
        await page.Locator("#experiments .none").WaitForAsync();
        // The node has the experiment endpoints and no experiment: the page says so.
        Assert.Contains("No experiment defined yet", await page.InnerTextAsync("#experiments"), StringComparison.Ordinal);
        await ConsoleFixture.ScreenshotAsync(page, "experiments");

        await page.ClickAsync("#tabs a[data-page=training]");
        await page.Locator("#training-runs .none, #training-runs table").First.WaitForAsync();
        await ConsoleFixture.ScreenshotAsync(page, "training");
    }

    [Fact]
    public async Task WithoutAKeyTheConsoleSaysWhereTheAdminKeyIs()
    {
        var page = await node.NewPageAsync();
        await page.GotoAsync($"{node.BaseUrl}/console");
        await page.Locator("#notice.error").WaitForAsync();
        Assert.Contains("admin API key", await page.InnerTextAsync("#notice"), StringComparison.Ordinal);
        Assert.EndsWith("/console/", page.Url, StringComparison.Ordinal);
    }

    private static async Task RefreshUntilAsync(IPage page, string section, Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The console did not show the expected state in time.");
            await page.WaitForTimeoutAsync(250);
            await page.ClickAsync($"button.refresh[data-page={section}]");
            await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        }
    }
}
