namespace RecoGrid.Cli.Hosting;

/// <summary>The roles a RecoGrid node can take.</summary>
public static class NodeRoles
{
    public const string All = "all";
    public const string Api = "api";
    public const string Scoring = "scoring";
    public const string Training = "training";

    public static readonly string[] Known = [All, Api, Scoring, Training];

    /// <summary>The silo metadata key that announces a node's role.</summary>
    public const string MetadataKey = "recogrid.role";

    public static bool ServesApi(string role) => role is All or Api;

    public static bool ServesScoring(string role) => role is All or Scoring;
}

/// <summary>What `recogrid serve` was asked to do.</summary>
public sealed record ServeSettings
{
    public const string DefaultUrls = "http://127.0.0.1:5080";
    public const string DefaultDataDir = "./.recogrid";

    /// <summary>Addresses the HTTP API listens on (semicolon-separated).</summary>
    public string Urls { get; init; } = DefaultUrls;

    /// <summary>Folder for grain state and models on the embedded single-node default.</summary>
    public string DataDir { get; init; } = DefaultDataDir;

    /// <summary>One of <see cref="NodeRoles.Known"/>.</summary>
    public string Role { get; init; } = NodeRoles.All;

    /// <summary>An extra JSON configuration file, layered over appsettings.json.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>Configuration overrides (key → value), applied last; used by tests and `--set`.</summary>
    public IReadOnlyDictionary<string, string?> Overrides { get; init; } = new Dictionary<string, string?>();
}
