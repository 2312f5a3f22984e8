using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Dashboard;
using Orleans.Runtime.MembershipService.SiloMetadata;
using RecoGrid.Grains;
using RecoGrid.Grains.Common;
using RecoGrid.Grains.CoVisitation;
using RecoGrid.Grains.Log;
using RecoGrid.Grains.Models;
using RecoGrid.Grains.Scoring;
using RecoGrid.Scoring;
using RecoGrid.Storage.Azure;
using RecoGrid.Storage.Azure.Grains;
using RecoGrid.Storage.Azure.Log;
using RecoGrid.Storage.Azure.Models;
using RecoGrid.Storage.FileSystem.Log;
using RecoGrid.Server.Configuration;
using RecoGrid.Server.Events;
using RecoGrid.Server.Experiments;
using RecoGrid.Server.Health;
using RecoGrid.Server.Hosting;
using RecoGrid.Server.Ingestion;
using RecoGrid.Server.Models;
using RecoGrid.Server.Retraining;

using RecoGrid.Server.Telemetry;

namespace RecoGrid.Server;

/// <summary>The node runtime: an Orleans silo with RecoGrid's grains, storage, model serving and event rules.</summary>
public static class NodeHostingExtensions
{
    /// <summary>
    /// Adds a RecoGrid node to the host: the silo (clustering, role metadata, grain storage chosen by configuration with
    /// the local file system as the default), the grains' services, model serving and the event rules. Every setting is
    /// validated at start-up, and unknown keys under RecoGrid's sections are reported.
    /// </summary>
    public static IHostApplicationBuilder AddRecoGridNode(this IHostApplicationBuilder builder, NodeOptions node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var dataDir = Path.GetFullPath(node.DataDir);
        Directory.CreateDirectory(dataDir);
        node = node with { DataDir = dataDir };
        builder.Services.AddSingleton(node);
        NodeConfigurationDefaults.Apply(builder.Configuration, dataDir);

        var services = builder.Services;
        services.AddValidatedOptions<NodeClusterOptions, NodeClusterOptionsValidator>(NodeClusterOptions.Section);
        services.AddValidatedOptions<NodeStorageOptions, NodeStorageOptionsValidator>(NodeStorageOptions.Section);
        services.AddValidatedOptions<ClusterMembershipOptions, ClusterMembershipOptionsValidator>(ClusterMembershipOptions.Section);
        services.AddValidatedOptions<EventOptions, EventOptionsValidator>(EventOptions.Section);
        services.AddRecoGridActivations();
        services.AddKnownSettings(new KnownSettingsSection(
            NodeClusterOptions.Section,
            [typeof(NodeClusterOptions)],
            ["Name", "Messaging", "Endpoints", "EnableDistributedTracing", "Clustering", "Reminders", "BroadcastChannel", "Streaming", "GrainStorage", "GrainDirectory"]));
        services.AddKnownSettings(NodeStorageOptions.Section, typeof(NodeStorageOptions));
        services.AddKnownSettings(ClusterMembershipOptions.Section, typeof(ClusterMembershipOptions));
        services.AddKnownSettings(EventOptions.Section, typeof(EventOptions));
        services.AddKnownSettings(UserOptions.Section, typeof(UserOptions));
        services.AddKnownSettings(RecommendationOptions.Section, typeof(RecommendationOptions));
        services.AddKnownSettings(CatalogOptions.Section, typeof(CatalogOptions));
        services.AddKnownSettings(new KnownSettingsSection(
            PopularityOptions.Section,
            [typeof(PopularityOptions)],
            RetiredKeys: new Dictionary<string, string> { ["Shards"] = "popularity has one shard per interaction log partition (Log:Partitions)." }));
        services.AddKnownSettings(ModelPathOptions.Section, typeof(ModelPathOptions), typeof(ScoringOptions));
        services.AddKnownSettings(ModelServingOptions.Section, typeof(ModelServingOptions), typeof(StoreProviderOptions), typeof(AzureModelRegistryOptions));
        services.AddKnownSettings(CoVisitationOptions.Section, typeof(CoVisitationOptions));
        services.AddKnownSettings(InteractionLogOptions.Section, typeof(InteractionLogOptions), typeof(FileInteractionLogOptions), typeof(AzureInteractionLogOptions), typeof(StoreProviderOptions));

        services.AddHostedService<TemporaryFileCleanup>();
        services.AddKnownSettings(DashboardSettings.Section, typeof(DashboardSettings), typeof(DashboardOptions));
        var dashboard = builder.Configuration.GetSection(DashboardSettings.Section).Get<DashboardSettings>() ?? new DashboardSettings();

        var configuration = builder.Configuration;
        var cluster = configuration.GetSection(NodeClusterOptions.Section).Get<NodeClusterOptions>() ?? new NodeClusterOptions();
        var membership = configuration.GetSection(ClusterMembershipOptions.Section).Get<ClusterMembershipOptions>() ?? new ClusterMembershipOptions();
        var storage = configuration.GetSection(NodeStorageOptions.Section).Get<NodeStorageOptions>() ?? new NodeStorageOptions();
        services.AddRecoGridGrainStateSerializer();
        if (AzureStorageConnection.Parse(storage.ConnectionString, storage.ServiceUri) is { ServiceUri: not null } byIdentity)
        {
            services.AddRecoGridBlobServiceClient(byIdentity);
        }

        services.AddTransient<IConfigurationValidator, NodeOptionsCheck>();

        // Before the silo's own hosted service, so a taken port stops start-up before a second cluster forms.
        services.AddHostedService(_ => new SiloPortCheck(cluster, NodeClustering.ListenAddress(cluster, membership)));
        builder.UseOrleans(silo =>
        {
            NodeClustering.Configure(silo, cluster, membership, storage);
            silo.UseSiloMetadata(new Dictionary<string, string> { [NodeRole.MetadataKey] = node.Role.Name });
            if (dashboard.Enabled)
            {
                // Live log streaming stays off unless asked for: logs are for operators of the host, not dashboard viewers.
                silo.AddDashboard(options => options.HideTrace = true);
                services.AddOptions<DashboardOptions>().BindConfiguration(DashboardSettings.Section);
            }
        });

        // Model serving first: it registers this node's model source and scoring backend before the grains' defaults.
        services.AddRecoGridModelServing(node, configuration);
        services.AddRecoGridInteractionLog(node, configuration);
        services.AddRecoGridGrains();
        services.AddRecoGridRetraining(node, configuration);
        services.AddRecoGridExperiments();
        services.AddRecoGridReadiness();
        services.AddRecoGridNodeTelemetry(node);
        return builder;
    }
}
