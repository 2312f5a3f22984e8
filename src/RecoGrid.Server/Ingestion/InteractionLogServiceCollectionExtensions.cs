using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using RecoGrid.Grains.Log;
using RecoGrid.Server.Health;
using RecoGrid.Storage.FileSystem.Log;

namespace RecoGrid.Server.Ingestion;

/// <summary>Wires the interaction log: the backend store, ingestion, the projections' barrier and start-up recovery.</summary>
public static class InteractionLogServiceCollectionExtensions
{
    public static IServiceCollection AddRecoGridInteractionLog(this IServiceCollection services, NodeOptions node)
    {
        services.AddFileInteractionLog().BindConfiguration(FileInteractionLogOptions.SectionName);
        services.AddSingleton<IProjectionDurability>(new FileSystemProjectionDurability(node.DataDir));
        services.AddSingleton<EventIngestion>();
        services.AddSingleton<LogStartup>();
        services.AddHostedService(sp => sp.GetRequiredService<LogStartup>());
        services.AddHealthChecks().Add(new HealthCheckRegistration("log", sp => sp.GetRequiredService<LogStartup>(), HealthStatus.Unhealthy, [HealthTags.Ready]));
        return services;
    }
}
