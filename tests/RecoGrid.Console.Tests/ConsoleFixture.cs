using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.Playwright;
using RecoGrid.Cli.Hosting;
using RecoGrid.Training.Artifacts;

namespace RecoGrid.Console.Tests;

/// <summary>
/// A real node on loopback with two registered model versions (v1 promoted) and a user with events, and headless
/// Debian chromium driven by Playwright. Screenshots go to <c>TestResults/console/</c> under the test output folder.
/// </summary>
public sealed class ConsoleFixture : IAsyncLifetime
{
    /// <summary>Where Debian's chromium package puts the browser (`apt-get install -y chromium chromium-driver`).</summary>
    public const string ChromiumPath = "/usr/bin/chromium";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "recogrid-console-" + Guid.NewGuid().ToString("N"));
    private WebApplication? _app;
    private IPlaywright? _playwright;

    /// <summary>The browser, on a fresh profile folder of this fixture's own.</summary>
    public IBrowserContext Browser { get; private set; } = null!;

    public HttpClient Http { get; private set; } = null!;

    public string AdminKey { get; private set; } = "";

    public string BaseUrl { get; private set; } = "";

    public static string ScreenshotFolder { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults", "console");

    private string DataDir => Path.Combine(_root, "data");

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"The console's browser tests need Debian's chromium at {ChromiumPath}. Install it with `apt-get install -y chromium chromium-driver` " +
                "(.ci/run does this); Playwright's own browser download is never used.");
        }

        var port = FreePort();
        _app = ServeHost.Build(new ServeSettings
        {
            Urls = $"http://127.0.0.1:{port}",
            DataDir = DataDir,
            Overrides = new Dictionary<string, string?>
            {
                ["Orleans:SiloPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
                ["Orleans:GatewayPort"] = FreePort().ToString(CultureInfo.InvariantCulture),
                ["Orleans:ClusterId"] = "console-" + Guid.NewGuid().ToString("N"),
                ["Popularity:RefreshInterval"] = "00:00:00",
                ["Popularity:MergeInterval"] = "00:00:00",
                ["Catalog:RefreshInterval"] = "00:00:00",
                ["Logging:LogLevel:Default"] = "Warning",
                ["Limits:RequestsPerSecond"] = "0",
            },
        });
        await _app.StartAsync();
        BaseUrl = $"http://127.0.0.1:{port}";
        AdminKey = File.ReadAllText(Path.Combine(DataDir, "admin.key")).Trim();
        Http = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        Http.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
        await SeedAsync();

        Directory.CreateDirectory(ScreenshotFolder);
        _playwright = await Playwright.CreateAsync();
        // Playwright passes the profile folder as --user-data-dir itself (it refuses the flag in Args).
        Browser = await _playwright.Chromium.LaunchPersistentContextAsync(Path.Combine(_root, "chromium-profile"), new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
            ],
        });
    }

    /// <summary>A fresh tab (its own sessionStorage) with a 1280×900 viewport; the console is opened by the test.</summary>
    public async Task<IPage> NewPageAsync()
    {
        var page = await Browser.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        return page;
    }

    /// <summary>Opens the console at <paramref name="hash"/> and gives it the admin key, as an operator would.</summary>
    public async Task<IPage> OpenConsoleAsync(string hash)
    {
        var page = await NewPageAsync();
        await page.GotoAsync($"{BaseUrl}/console/{hash}");
        await page.FillAsync("#api-key", AdminKey);
        await page.ClickAsync("#key-form button[type=submit]");
        return page;
    }

    public static Task ScreenshotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, name + ".png"), FullPage = true });

    /// <summary>The version the registry has promoted.</summary>
    public async Task<string?> PromotedAsync() =>
        (await Http.GetFromJsonAsync<JsonElement>("/v1/admin/models")).GetProperty("active").GetString();

    private async Task SeedAsync()
    {
        var import = Path.Combine(DataDir, "import");
        for (var version = 1; version <= 2; version++)
        {
            ModelArtifact.Write(Path.Combine(import, $"model-{version}"), new ModelArtifactContent
            {
                Factors = 2,
                ItemIds = ["dune", "emma", "kettle", "solaris"],
                ItemFactors = version == 1 ? new float[] { 1, 0, 0, 1, 1, 1, 0.5f, 0.2f } : new float[] { 0, 1, 1, 0, 1, 1, 0.2f, 0.5f },
                Training = new JsonObject { ["alpha"] = 1.0, ["lambda"] = 0.1, ["reg_exponent"] = 0.0 },
            });
            using var added = await Http.PostAsync("/v1/admin/models", Json(new { path = $"model-{version}" }));
            added.EnsureSuccessStatusCode();
        }

        using var promoted = await Http.PostAsync("/v1/admin/models/v1:promote", Json(new { }));
        promoted.EnsureSuccessStatusCode();
        using var events = await Http.PostAsync("/v1/events", Json(new
        {
            events = new[]
            {
                new { userId = "alice", itemId = "dune", type = "purchase" },
                new { userId = "alice", itemId = "emma", type = "view" },
                new { userId = "bob", itemId = "kettle", type = "view" },
            },
        }));
        Assert.Equal(HttpStatusCode.Accepted, events.StatusCode);
    }

    private static StringContent Json(object body) => new(JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    private static readonly HashSet<int> Handed = [];

    private static int FreePort()
    {
        lock (Handed)
        {
            while (true)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                if (Handed.Add(port))
                {
                    return port;
                }
            }
        }
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        Http?.Dispose();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // The browser profile may still be closing; it is a temporary folder.
        }
    }
}
