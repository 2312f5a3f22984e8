namespace RecoGrid.Grains.Scoring;

/// <summary>What a RecoGrid node does; announced to the cluster in silo metadata under <see cref="MetadataKey"/>.</summary>
public sealed class NodeRole
{
    /// <summary>The silo metadata key that announces a node's role.</summary>
    public const string MetadataKey = "recogrid.role";

    private NodeRole(string name, bool servesApi, bool hostsScoring, bool hostsTraining)
    {
        Name = name;
        ServesApi = servesApi;
        HostsScoring = hostsScoring;
        HostsTraining = hostsTraining;
    }

    /// <summary>API, scoring and training in one process (the embedded default).</summary>
    public static NodeRole All { get; } = new("all", servesApi: true, hostsScoring: true, hostsTraining: true);

    /// <summary>The HTTP API and user state; ranking happens on scoring nodes.</summary>
    public static NodeRole Api { get; } = new("api", servesApi: true, hostsScoring: false, hostsTraining: false);

    /// <summary>Scoring grains and ONNX Runtime sessions (a GPU node in production).</summary>
    public static NodeRole Scoring { get; } = new("scoring", servesApi: false, hostsScoring: true, hostsTraining: false);

    /// <summary>Training workers.</summary>
    public static NodeRole Training { get; } = new("training", servesApi: false, hostsScoring: false, hostsTraining: true);

    /// <summary>Every role, in the order `--help` lists them.</summary>
    public static IReadOnlyList<NodeRole> Known { get; } = [All, Api, Scoring, Training];

    /// <summary>The name used on the command line and in silo metadata.</summary>
    public string Name { get; }

    /// <summary>Whether the node maps the /v1 HTTP API.</summary>
    public bool ServesApi { get; }

    /// <summary>Whether scoring grains may be placed on the node.</summary>
    public bool HostsScoring { get; }

    /// <summary>Whether training workers may be placed on the node.</summary>
    public bool HostsTraining { get; }

    /// <summary>The role named <paramref name="name"/>, or null for an unknown name.</summary>
    public static NodeRole? Find(string? name) =>
        Known.FirstOrDefault(role => string.Equals(role.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The role named <paramref name="name"/>; throws with the known names otherwise.</summary>
    public static NodeRole Parse(string name) =>
        Find(name) ?? throw new ArgumentException($"'{name}' is not a node role; use one of {string.Join(", ", Known.Select(r => r.Name))}.", nameof(name));

    /// <inheritdoc />
    public override string ToString() => Name;
}
