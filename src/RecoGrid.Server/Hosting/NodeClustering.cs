using System.Net;
using Azure.Data.Tables;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using RecoGrid.Storage.Azure;
using StackExchange.Redis;

namespace RecoGrid.Server.Hosting;

/// <summary>Configures how this silo joins its cluster, from <c>Cluster:*</c> and <c>Orleans:*</c>.</summary>
internal static class NodeClustering
{
    public static void Configure(ISiloBuilder silo, NodeClusterOptions cluster, ClusterMembershipOptions membership, NodeStorageOptions storage)
    {
        silo.Configure<Orleans.Configuration.ClusterMembershipOptions>(failureDetection =>
        {
            if (membership.ProbeTimeout is { } probe)
            {
                failureDetection.ProbeTimeout = probe;
            }

            if (membership.MissedProbesLimit is { } missed)
            {
                failureDetection.NumMissedProbesLimit = missed;
            }
        });

        if (membership.Is(ClusterMembershipOptions.Development))
        {
            var primary = cluster.PrimarySiloPort == 0 ? null : new IPEndPoint(IPAddress.Loopback, cluster.PrimarySiloPort);
            silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, primary, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId);
            return;
        }

        if (membership.Is(ClusterMembershipOptions.Kubernetes))
        {
            // Pod name and pod IP come from the downward API (POD_NAME, POD_IP, POD_NAMESPACE); silos listen on every address.
            silo.UseKubernetesHosting();
            silo.Configure<EndpointOptions>(endpoints =>
            {
                endpoints.SiloPort = cluster.SiloPort;
                endpoints.GatewayPort = cluster.GatewayPort;
                if (Advertised(cluster) is { } address)
                {
                    endpoints.AdvertisedIPAddress = address;
                }
            });
        }
        else if (Advertised(cluster) is { } address)
        {
            silo.ConfigureEndpoints(address, cluster.SiloPort, cluster.GatewayPort);
        }
        else
        {
            silo.ConfigureEndpoints(cluster.SiloPort, cluster.GatewayPort);
        }

        // After Kubernetes hosting, which would otherwise take the ids from ORLEANS_CLUSTER_ID / ORLEANS_SERVICE_ID.
        silo.Configure<ClusterOptions>(ids =>
        {
            ids.ClusterId = cluster.ClusterId;
            ids.ServiceId = cluster.ServiceId;
        });

        if (membership.Store == ClusterMembershipOptions.Redis)
        {
            // Left unset when missing, so start-up reports Cluster:ConnectionString rather than a parser's null argument.
            silo.UseRedisClustering(redis =>
            {
                if (!string.IsNullOrWhiteSpace(membership.ConnectionString))
                {
                    redis.ConfigurationOptions = ConfigurationOptions.Parse(membership.ConnectionString);
                }
            });
        }
        else
        {
            silo.UseAzureStorageClustering(table =>
            {
                table.TableName = membership.TableName;
                if (TableClient(membership, storage) is { } client)
                {
                    table.TableServiceClient = client;
                }
            });
        }
    }

    /// <summary>The address silos listen on, to check the ports are free before the silo starts.</summary>
    public static IPAddress ListenAddress(NodeClusterOptions cluster, ClusterMembershipOptions membership) =>
        membership.Is(ClusterMembershipOptions.Development) ? IPAddress.Loopback
        : membership.Is(ClusterMembershipOptions.Kubernetes) ? IPAddress.Any
        : Advertised(cluster) ?? IPAddress.Any;

    private static IPAddress? Advertised(NodeClusterOptions cluster)
    {
        if (string.IsNullOrWhiteSpace(cluster.AdvertisedAddress))
        {
            return null;
        }

        if (IPAddress.TryParse(cluster.AdvertisedAddress, out var address))
        {
            return address;
        }

        var addresses = Dns.GetHostAddresses(cluster.AdvertisedAddress);
        return addresses.FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork) ?? addresses.FirstOrDefault()
            ?? throw new InvalidOperationException($"Orleans:AdvertisedAddress '{cluster.AdvertisedAddress}' does not resolve to an address.");
    }

    /// <summary>The Table service of the node's storage account (<c>Storage:ConnectionString</c> or the table endpoint beside <c>Storage:ServiceUri</c>).</summary>
    public static TableServiceClient? StorageTableClient(NodeStorageOptions storage) => TableClient(new ClusterMembershipOptions(), storage);

    private static TableServiceClient? TableClient(ClusterMembershipOptions membership, NodeStorageOptions storage)
    {
        var options = new TableClientOptions();
        AzureStorageConnection.Configure(options.Retry);
        var uri = membership.ServiceUri ?? (membership.ConnectionString is null ? ClusterMembershipOptionsValidator.TableUriFromBlobUri(storage.ServiceUri) : null);
        if (uri is not null)
        {
            return new TableServiceClient(new Uri(uri), AzureStorageConnection.Credential, options);
        }

        var connection = membership.ConnectionString ?? storage.ConnectionString;
        return string.IsNullOrWhiteSpace(connection) ? null : new TableServiceClient(connection, options);
    }
}
