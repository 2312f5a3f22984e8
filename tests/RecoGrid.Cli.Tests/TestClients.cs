using System.Text;

namespace RecoGrid.Cli.Tests;

/// <summary>HTTP clients for test nodes, authenticated with the node's local admin key.</summary>
public static class TestClients
{
    /// <summary>The local admin key a node wrote into its data folder on first start.</summary>
    public static string AdminKey(string dataDir) => File.ReadAllText(Path.Combine(dataDir, "admin.key")).Trim();

    /// <summary>A client for the node on <paramref name="port"/>, sending the admin key of <paramref name="dataDir"/>.</summary>
    public static HttpClient Admin(int port, string dataDir, string scheme = "http") => WithKey(new HttpClient { BaseAddress = new Uri($"{scheme}://127.0.0.1:{port}") }, AdminKey(dataDir));

    /// <summary>Makes <paramref name="http"/> send <paramref name="key"/> as its X-Api-Key header.</summary>
    public static HttpClient WithKey(HttpClient http, string key)
    {
        http.DefaultRequestHeaders.Remove("X-Api-Key");
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        return http;
    }

    /// <summary>An empty body that says it is JSON, as admin POSTs without a body must send.</summary>
    public static StringContent EmptyJson() => new("", Encoding.UTF8, "application/json");
}
