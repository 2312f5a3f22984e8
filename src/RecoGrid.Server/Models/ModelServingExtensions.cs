using Microsoft.Extensions.Configuration;
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
using RecoGrid.Server.Configuration;
using RecoGrid.Server.Hosting;
using RecoGrid.Storage.Azure.Models;
using RecoGrid.Scoring.Retrieval;
using RecoGrid.Storage.Models;

namespace RecoGrid.Server.Models;

/// <summary>Wires model serving: the registry, the promoted model for fold-in, and on scoring roles the ONNX engine with its candidate sources.</summary>
public static class ModelServingExtensions
{
    public static IServiceCollection AddRecoGridModelServing(this IServiceCollection services, NodeOptions node, IConfiguration configuration)
    {
        services.AddModelRegistry(node, configuration);
        services.AddValidatedOptions<ModelServingOptions, ModelServingOptionsValidator>(ModelServingOptions.Section);
        services.AddSingleton<ActiveModelHolder>();
        services.AddSingleton<IActiveModelSource>(sp => sp.GetRequiredService<ActiveModelHolder>());
        services.AddSingleton<ModelRegistration>();
        services.AddSingleton<IModelVersions, RegistryModelVersions>();

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

    /// <summary>
    /// The model registry on the backend <c>Models:Provider</c> names: <c>file</c> (under the data folder, shared by the
    /// nodes of one machine) or <c>azure</c> (blobs, shared by a cluster; versions are downloaded to <c>Models:CacheDirectory</c>).
    /// </summary>
    /// <summary>
    /// The registry a node with <paramref name="configuration"/> would use, for tools outside a node (<c>recogrid models</c>):
    /// RECOGRID__ environment variables such as <c>RECOGRID__Storage__Provider=azure</c> point it at a cluster's registry.
    /// </summary>
    public static IModelRegistry CreateModelRegistry(IConfigurationManager configuration, string dataDir)
    {
        dataDir = Path.GetFullPath(dataDir);
        NodeConfigurationDefaults.Apply(configuration, dataDir);
        var section = configuration.GetSection(ModelServingOptions.Section);
        if (!NodeStorageOptions.IsAzureProvider(section.Get<StoreProviderOptions>()?.Provider))
        {
            return new FileModelRegistry(Path.Combine(dataDir, "models"));
        }

        var options = section.Get<AzureModelRegistryOptions>() ?? new AzureModelRegistryOptions();
        var validation = new AzureModelRegistryOptionsValidator().Validate(null, options);
        return validation.Failed ? throw new OptionsValidationException(ModelServingOptions.Section, typeof(AzureModelRegistryOptions), validation.Failures) : new AzureModelRegistry(options);
    }

    public static IServiceCollection AddModelRegistry(this IServiceCollection services, NodeOptions node, IConfiguration configuration)
    {
        services.AddStoreProviderOptions(ModelServingOptions.Section);
        var provider = configuration.GetSection(ModelServingOptions.Section).Get<StoreProviderOptions>()?.Provider;
        if (NodeStorageOptions.IsAzureProvider(provider))
        {
            services.AddValidatedOptions<AzureModelRegistryOptions, AzureModelRegistryOptionsValidator>(AzureModelRegistryOptions.SectionName);
            services.AddSingleton<IModelRegistry>(sp => new AzureModelRegistry(sp.GetRequiredService<IOptions<AzureModelRegistryOptions>>().Value));
        }
        else
        {
            services.AddSingleton<IModelRegistry>(new FileModelRegistry(Path.Combine(node.DataDir, "models")));
        }

        return services;
    }
}
