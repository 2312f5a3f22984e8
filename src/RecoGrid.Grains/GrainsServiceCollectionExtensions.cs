using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using RecoGrid.Grains.Catalog;
using RecoGrid.Grains.Common;
using RecoGrid.Grains.Popularity;

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
        return services;
    }
}
