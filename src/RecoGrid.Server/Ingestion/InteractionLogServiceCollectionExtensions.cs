using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RecoGrid.Grains.Log;
using RecoGrid.Server.Health;
using Microsoft.Extensions.Configuration;
using RecoGrid.Abstractions;
using RecoGrid.Server.Hosting;
using RecoGrid.Storage.Azure.Log;
using RecoGrid.Storage.FileSystem;
using RecoGrid.Storage.FileSystem.Log;

namespace RecoGrid.Server.Ingestion;

/// <summary>Wires the interaction log: the backend store, ingestion, the projections' barrier and start-up recovery.</summary>
public static class InteractionLogServiceCollectionExtensions
{
    /// <summary>
    /// Adds the log on the backend <c>Log:Provider</c> names (file or azure), and the projections' barrier: a file-system
    /// barrier while a projection store (users, popularity) is on files, none when every write is durable (Azure).
    /// </summary>
    public static IServiceCollection AddRecoGridInteractionLog(this IServiceCollection services, NodeOptions node, IConfiguration configuration)
    {
        var provider = configuration.GetSection(FileInteractionLogOptions.SectionName).Get<StoreProviderOptions>()?.Provider;
        if (NodeStorageOptions.IsAzureProvider(provider))
        {
            services.AddAzureInteractionLog().BindConfiguration(AzureInteractionLogOptions.SectionName);
        }
        else
        {
            services.AddFileInteractionLog().BindConfiguration(FileInteractionLogOptions.SectionName);
        }

        services.AddStoreProviderOptions(FileInteractionLogOptions.SectionName);
        var projectionsOnFiles = new[] { StorageNames.Users, StorageNames.Popularity }.Any(store =>
            string.Equals(configuration[$"Orleans:GrainStorage:{store}:ProviderType"], FileGrainStorageExtensions.ProviderType, StringComparison.OrdinalIgnoreCase));
        services.AddSingleton<IProjectionDurability>(projectionsOnFiles ? new FileSystemProjectionDurability(node.DataDir) : new WritesAreDurable());
        services.AddSingleton<EventIngestion>();
        services.AddSingleton<LogStartup>();
        services.AddHostedService(sp => sp.GetRequiredService<LogStartup>());
        services.AddHealthChecks().Add(new HealthCheckRegistration("log", sp => sp.GetRequiredService<LogStartup>(), HealthStatus.Unhealthy, [HealthTags.Ready]));
        return services;
    }
}
