using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using RecoGrid.Grains.Catalog;
using RecoGrid.Grains.Common;
using RecoGrid.Grains.Models;
using RecoGrid.Grains.Popularity;
using RecoGrid.Grains.Scoring;
using RecoGrid.Grains.Users;

namespace RecoGrid.Grains;

/// <summary>Registers the services RecoGrid's grains depend on.</summary>
public static class GrainsServiceCollectionExtensions
{
    /// <summary>Adds options, the silo-local catalogue and popularity copies, and the time source.</summary>
    public static IServiceCollection AddRecoGridGrains(this IServiceCollection services)
    {
        services.AddOptions<UserOptions>().BindConfiguration(UserOptions.Section).ValidateOnStart();
        services.AddOptions<CatalogOptions>().BindConfiguration(CatalogOptions.Section).ValidateOnStart();
        services.AddOptions<PopularityOptions>().BindConfiguration(PopularityOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<UserOptions>, GrainOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CatalogOptions>, GrainOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PopularityOptions>, GrainOptionsValidator>());
        services.TryAddKeyedSingleton(RecoGridClock.Key, TimeProvider.System);
        services.TryAddSingleton<CatalogView>();
        services.TryAddSingleton<PopularityCache>();
        services.AddPlacementDirector<ScoringSiloPlacement, ScoringSiloPlacementDirector>();
        return services;
    }

    /// <summary>
    /// Adds the model path of user grains: fold-in against the promoted model and ranking through scoring grains.
    /// Needs an <see cref="IActiveModelSource"/> registered by the host.
    /// </summary>
    public static IServiceCollection AddRecoGridModelPath(this IServiceCollection services)
    {
        services.AddOptions<ModelPathOptions>().BindConfiguration("Scoring").Validate(o => o.Partitions >= 1, "Scoring:Partitions must be at least 1.");
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IModelRecommender, ModelRecommender>());
        return services;
    }
}
