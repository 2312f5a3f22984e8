using RecoGrid.Grains.Scoring;

namespace RecoGrid.Server;

/// <summary>What a node is: its role in the cluster and the folder of its embedded local storage.</summary>
public sealed record NodeOptions
{
    /// <summary>The data folder of the embedded single-node default, relative to the working directory.</summary>
    public const string DefaultDataDir = "./.recogrid";

    /// <summary>What this node does (API, scoring, training, or all of them).</summary>
    public NodeRole Role { get; init; } = NodeRole.All;

    /// <summary>Folder for the local file-system storage (grain state, models); made absolute when the node is added.</summary>
    public string DataDir { get; init; } = DefaultDataDir;

    /// <summary>Whether the node keeps live statistics for the console (off with <c>Telemetry:Enabled=false</c>).</summary>
    public bool Telemetry { get; init; } = true;
}
