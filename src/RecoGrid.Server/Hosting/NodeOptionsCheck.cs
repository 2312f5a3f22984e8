using Microsoft.Extensions.Options;

namespace RecoGrid.Server.Hosting;

/// <summary>
/// Orleans checks its providers' configuration as the silo is created, before the host's own options validation runs;
/// reading the storage and cluster settings first (which validates them) makes start-up report RecoGrid's settings
/// (<c>Storage:ConnectionString</c>, <c>Cluster:ConnectionString</c>) rather than a provider's internals.
/// </summary>
internal sealed class NodeOptionsCheck(IOptions<NodeStorageOptions> storage, IOptions<ClusterMembershipOptions> cluster) : IConfigurationValidator
{
    public void ValidateConfiguration()
    {
        var failures = new List<string>();
        foreach (var read in new Action[] { () => _ = storage.Value, () => _ = cluster.Value })
        {
            try
            {
                read();
            }
            catch (OptionsValidationException error)
            {
                failures.AddRange(error.Failures);
            }
        }

        if (failures.Count > 0)
        {
            throw new OptionsValidationException(Options.DefaultName, typeof(NodeStorageOptions), failures);
        }
    }
}
