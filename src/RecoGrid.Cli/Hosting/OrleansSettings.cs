namespace RecoGrid.Cli.Hosting;

/// <summary>Cluster settings (section <c>Orleans</c>).</summary>
public sealed class OrleansSettings
{
    public const string Section = "Orleans";

    /// <summary>Silo-to-silo port.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Client gateway port.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>
    /// Silo port of the node that hosts the development membership table. 0 (the default) makes this node that
    /// primary; other nodes on the same machine (e.g. a <c>--role scoring</c> node) set it to join the primary.
    /// </summary>
    public int PrimarySiloPort { get; set; }

    /// <summary>Identifies this deployment's cluster; silos with different ids never join.</summary>
    public string ClusterId { get; set; } = "recogrid-local";

    /// <summary>Identifies the service; grain state is keyed by it, so keep it stable.</summary>
    public string ServiceId { get; set; } = "recogrid";
}
