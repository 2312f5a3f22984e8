using RecoGrid.Grains.Scoring;

namespace RecoGrid.Cli.Hosting;

/// <summary>The roles a RecoGrid node can take (the names the scoring placement reads from silo metadata).</summary>
public static class NodeRoles
{
    public const string All = SiloRoles.All;

    public static readonly string[] Known = [SiloRoles.All, SiloRoles.Api, SiloRoles.Scoring, SiloRoles.Training];

    public static bool ServesApi(string role) => role is SiloRoles.All or SiloRoles.Api;

    public static bool ServesScoring(string role) => SiloRoles.HostsScoring(role);
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
