using Microsoft.Extensions.DependencyInjection;
using RecoGrid.Grains;
using RecoGrid.Server.Configuration;

namespace RecoGrid.Server.Experiments;

/// <summary>Wires A/B experiments on a node: settings, the silo's experiment list and counters, the sync loop.</summary>
public static class ExperimentServiceCollectionExtensions
{
    public static IServiceCollection AddRecoGridExperiments(this IServiceCollection services)
    {
        services.AddValidatedOptions<ExperimentOptions, ExperimentOptionsValidator>(ExperimentOptions.Section);
        services.AddKnownSettings(ExperimentOptions.Section, typeof(ExperimentOptions));
        services.AddSingleton<ExperimentDirectory>();
        services.AddSingleton<ExperimentCounters>();
        services.AddSingleton<ExperimentServing>();
        services.AddSingleton<ExperimentSync>();
        services.AddHostedService(sp => sp.GetRequiredService<ExperimentSync>());
        return services;
    }
}
