using System.CommandLine;
using RecoGrid.Api.Security;
using RecoGrid.Server;

namespace RecoGrid.Cli.Commands;

/// <summary>How a command that calls a running node's admin API finds its key: --api-key, $RECOGRID_API_KEY, or the local admin key in --data-dir.</summary>
internal sealed class AdminClientOptions
{
    public Option<string?> ApiKey { get; } = new("--api-key")
    {
        Description = "An admin API key (default: $RECOGRID_API_KEY, else the local admin key in --data-dir).",
    };

    public Option<string> DataDir { get; } = new("--data-dir")
    {
        Description = "The node's data folder, where the local admin key (admin.key) is.",
        DefaultValueFactory = _ => NodeOptions.DefaultDataDir,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(ApiKey);
        command.Options.Add(DataDir);
    }

    /// <summary>A client for <paramref name="address"/> carrying the key; a usage error saying where it looked when there is none.</summary>
    public HttpClient CreateClient(ParseResult parse, string address)
    {
        var key = parse.GetValue(ApiKey) ?? Environment.GetEnvironmentVariable("RECOGRID_API_KEY");
        var keyFile = AdminKeyBootstrap.PathIn(parse.GetValue(DataDir)!);
        if (string.IsNullOrWhiteSpace(key) && File.Exists(keyFile))
        {
            key = File.ReadAllText(keyFile).Trim();
        }

        var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
        if (!string.IsNullOrWhiteSpace(key))
        {
            http.DefaultRequestHeaders.Add(ApiKeyFormat.Header, key);
        }

        return http;
    }

    /// <summary>A client for a node this process started on <paramref name="dataDir"/>, with the admin key the node wrote there.</summary>
    public static HttpClient ForLocalNode(string address, string dataDir)
    {
        var http = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(100) };
        http.DefaultRequestHeaders.Add(ApiKeyFormat.Header, File.ReadAllText(AdminKeyBootstrap.PathIn(dataDir)).Trim());
        return http;
    }

    /// <summary>The empty JSON body admin POSTs send (the API refuses admin POSTs without a JSON content type).</summary>
    public static StringContent EmptyJson() => new("{}", System.Text.Encoding.UTF8, "application/json");
}
