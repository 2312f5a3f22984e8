using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;

namespace RecoGrid.Cli.Tests;

/// <summary>The real `recogrid serve` is closed to anonymous clients, prints where its admin key is, and `recogrid keys` manages keys through it.</summary>
public sealed partial class BootstrapProcessTests : IDisposable
{
    private readonly string _dataDir = Path.Combine(Path.GetTempPath(), "recogrid-bootstrap-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dataDir))
        {
            Directory.Delete(_dataDir, recursive: true);
        }
    }

    private static async Task<(int Code, string Output)> Recogrid(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "recogrid.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["COLUMNS"] = "250";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output + await error);
    }

    [Fact]
    public async Task ADefaultNodeIsClosedPrintsItsKeyFileAndKeysAreManagedWithTheCli()
    {
        await using var server = await ServerProcess.StartAsync(_dataDir);
        var keyFile = Path.Combine(_dataDir, "admin.key");
        Assert.Contains(keyFile, server.Output, StringComparison.Ordinal);

        using var anonymous = new HttpClient { BaseAddress = server.Http.BaseAddress };
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/users/someone/recommendations")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Http.GetAsync("/v1/users/someone/recommendations")).StatusCode);

        var url = server.Http.BaseAddress!.ToString().TrimEnd('/');
        var (created, createOutput) = await Recogrid("keys", "create", "--client", "shop", "--scope", "recommendations:read", "--url", url, "--data-dir", _dataDir);
        Assert.True(created == 0, createOutput);
        var key = KeyPattern().Match(createOutput).Value;
        using var shop = TestClients.WithKey(new HttpClient { BaseAddress = server.Http.BaseAddress }, key);
        Assert.Equal(HttpStatusCode.OK, (await shop.GetAsync("/v1/users/someone/recommendations")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await shop.GetAsync("/v1/admin/models")).StatusCode);

        var (listed, listOutput) = await Recogrid("keys", "list", "--url", url, "--data-dir", _dataDir);
        Assert.True(listed == 0, listOutput);
        var keyId = key.Substring(4, 16);
        Assert.Contains(keyId, listOutput, StringComparison.Ordinal);
        Assert.DoesNotContain(key, listOutput, StringComparison.Ordinal);

        var (revoked, revokeOutput) = await Recogrid("keys", "revoke", keyId, "--url", url, "--data-dir", _dataDir);
        Assert.True(revoked == 0, revokeOutput);
        Assert.Equal(HttpStatusCode.Unauthorized, (await shop.GetAsync("/v1/users/someone/recommendations")).StatusCode);
    }

    [GeneratedRegex("rgk_[0-9a-f]{16}_[A-Za-z0-9_-]{43}")]
    private static partial Regex KeyPattern();
}
