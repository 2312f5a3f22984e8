using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RecoGrid.Grains;
using RecoGrid.Grains.Catalog;
using RecoGrid.Grains.Popularity;
using RecoGrid.Grains.Models;
using RecoGrid.Grains.Scoring;
using RecoGrid.Scoring;
using RecoGrid.Scoring.Hosting;
using RecoGrid.Scoring.Retrieval;
using RecoGrid.Storage.Models;

namespace RecoGrid.Server.Models;

/// <summary>Wires model serving: the registry, the promoted model for fold-in, and on scoring roles the ONNX engine with its candidate sources.</summary>
public static class ModelServingExtensions
{
    public static IServiceCollection AddRecoGridModelServing(this IServiceCollection services, NodeOptions node)
    {
        services.AddSingleton<IModelRegistry>(new FileModelRegistry(Path.Combine(node.DataDir, "models")));
        services.AddValidatedOptions<ModelServingOptions, ModelServingOptionsValidator>(ModelServingOptions.Section);
        services.AddSingleton<ActiveModelHolder>();
        services.AddSingleton<IActiveModelSource>(sp => sp.GetRequiredService<ActiveModelHolder>());
        services.AddSingleton<ModelRegistration>();

        if (node.Role.HostsScoring)
        {
            services.AddValidatedOptions<ScoringOptions, ScoringOptionsSettingsValidator>(ScoringOptions.SectionName);
            services.AddSingleton<CoVisitationCandidateSource>();
            services.AddSingleton(sp => new PopularityCandidateSource(sp.GetRequiredService<PopularityCache>()));
            services.AddSingleton(sp =>
            {
                var logger = sp.GetRequiredService<ILoggerFactory>().CreateLogger("RecoGrid.Scoring");
                ICandidateSource[] sources = [sp.GetRequiredService<CoVisitationCandidateSource>(), sp.GetRequiredService<PopularityCandidateSource>()];
                return new ScoringEngine(sp.GetRequiredService<IOptions<ScoringOptions>>().Value, TimeProvider.System, warning => logger.LogWarning("{Warning}", warning), sources);
            });
            services.AddSingleton(sp => new ScoringBackend(sp.GetRequiredService<ScoringEngine>(), sp.GetRequiredService<CatalogView>()));
            services.AddSingleton<IScoringBackend>(sp => sp.GetRequiredService<ScoringBackend>());
            services.AddHostedService<ScoringStartupCheck>();
        }

        services.AddSingleton(sp => new ModelWatcher(
            sp.GetRequiredService<IModelRegistry>(),
            sp.GetRequiredService<ActiveModelHolder>(),
            node.Role.HostsScoring ? sp.GetRequiredService<ScoringEngine>() : null,
            sp.GetRequiredService<IOptions<ModelServingOptions>>(),
            sp.GetRequiredService<ILogger<ModelWatcher>>()));

        // After the scoring check, so a misconfigured execution provider stops start-up before models load.
        services.AddHostedService(sp => sp.GetRequiredService<ModelWatcher>());
        return services;
    }
}
