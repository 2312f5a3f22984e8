using System.Net;
using Microsoft.Extensions.Options;

namespace RecoGrid.Server.Hosting;

/// <summary>How this node joins its cluster (section <c>Orleans</c>, beside Orleans' own provider settings).</summary>
public sealed class NodeClusterOptions
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

    /// <summary>
    /// The address other silos reach this one at (an IP address or a host name). Empty: loopback under development
    /// clustering, the pod IP under Kubernetes, otherwise this machine's first address.
    /// </summary>
    public string? AdvertisedAddress { get; set; }
}

/// <summary>Validates <see cref="NodeClusterOptions"/>; messages name the setting.</summary>
public sealed class NodeClusterOptionsValidator : IValidateOptions<NodeClusterOptions>
{
    public ValidateOptionsResult Validate(string? name, NodeClusterOptions options)
    {
        var errors = new List<string>();
        foreach (var (key, port) in new[] { ("SiloPort", options.SiloPort), ("GatewayPort", options.GatewayPort) })
        {
            if (port is < 1 or > 65535)
            {
                errors.Add($"Orleans:{key} must be a port between 1 and 65535 (was {port}).");
            }
        }

        if (options.PrimarySiloPort is < 0 or > 65535)
        {
            errors.Add($"Orleans:PrimarySiloPort must be 0 (this node is the primary) or a port (was {options.PrimarySiloPort}).");
        }

        if (options.SiloPort == options.GatewayPort)
        {
            errors.Add($"Orleans:SiloPort and Orleans:GatewayPort must differ (both are {options.SiloPort}).");
        }

        if (options.AdvertisedAddress is { Length: > 0 } address && !IPAddress.TryParse(address, out _) && Uri.CheckHostName(address) == UriHostNameType.Unknown)
        {
            errors.Add($"Orleans:AdvertisedAddress must be an IP address or a host name (was '{address}').");
        }

        if (string.IsNullOrWhiteSpace(options.ClusterId) || string.IsNullOrWhiteSpace(options.ServiceId))
        {
            errors.Add("Orleans:ClusterId and Orleans:ServiceId must not be empty.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
