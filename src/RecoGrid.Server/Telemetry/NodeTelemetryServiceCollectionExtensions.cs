using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RecoGrid.Grains.Common;
using RecoGrid.Scoring.Hosting;
using RecoGrid.Server.Models;

namespace RecoGrid.Server.Telemetry;

/// <summary>Wires what a node says about itself: the start-up summary, the node meter, live statistics and node reports.</summary>
public static class NodeTelemetryServiceCollectionExtensions
{
    public static IServiceCollection AddRecoGridNodeTelemetry(this IServiceCollection services, NodeOptions node)
    {
        services.AddHostedService<StartupSummary>();
        services.AddSingleton<NodeMetrics>();
        services.AddHostedService(sp => sp.GetRequiredService<NodeMetrics>());
        if (node.Telemetry)
        {
            services.AddSingleton(sp => new NodeStatistics(sp.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), TimeProvider.System));
        }

        services.AddSingleton(sp => new NodeReporter(
            sp.GetRequiredService<IGrainFactory>(),
            sp.GetRequiredService<ILocalSiloDetails>(),
            node,
            sp.GetRequiredService<ActiveModelHolder>(),
            node.Role.HostsScoring ? sp.GetRequiredService<ScoringEngine>() : null,
            node.Telemetry ? sp.GetRequiredService<NodeStatistics>() : null,
            sp.GetRequiredService<IServer>(),
            sp.GetRequiredService<IHostApplicationLifetime>(),
            sp.GetRequiredKeyedService<TimeProvider>(RecoGridClock.Key),
            sp.GetRequiredService<ILogger<NodeReporter>>()));
        services.AddHostedService(sp => sp.GetRequiredService<NodeReporter>());
        return services;
    }
}
