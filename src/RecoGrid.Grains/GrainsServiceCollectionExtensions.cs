using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using RecoGrid.Grains.Catalog;
using RecoGrid.Grains.CoVisitation;
using RecoGrid.Grains.Common;
using RecoGrid.Grains.Log;
using RecoGrid.Grains.Models;
using RecoGrid.Grains.Popularity;
using RecoGrid.Grains.Scoring;
using RecoGrid.Grains.Users;

namespace RecoGrid.Grains;

/// <summary>Registers the services RecoGrid's grains depend on.</summary>
public static class GrainsServiceCollectionExtensions
{
    /// <summary>
    /// Adds the grains' options, the silo-local catalogue and popularity copies, the user grains' model path, the
    /// scoring placement and RecoGrid's clock. A silo that serves models registers its own
    /// <see cref="IActiveModelSource"/> and, with the scoring role, its <see cref="IScoringBackend"/>; until then
    /// users get popularity and scoring calls are answered "no engine here".
    /// </summary>
    public static IServiceCollection AddRecoGridGrains(this IServiceCollection services)
    {
        services.AddValidatedOptions<UserOptions, UserOptionsValidator>(UserOptions.Section);
        services.AddValidatedOptions<RecommendationOptions, RecommendationOptionsValidator>(RecommendationOptions.Section);
        services.AddValidatedOptions<CatalogOptions, CatalogOptionsValidator>(CatalogOptions.Section);
        services.AddValidatedOptions<PopularityOptions, PopularityOptionsValidator>(PopularityOptions.Section);
        services.AddValidatedOptions<ModelPathOptions, ModelPathOptionsValidator>(ModelPathOptions.Section);
        services.AddValidatedOptions<InteractionLogOptions, InteractionLogOptionsValidator>(InteractionLogOptions.Section);
        services.AddValidatedOptions<CoVisitationOptions, CoVisitationOptionsValidator>(CoVisitationOptions.Section);
        services.TryAddSingleton<IProjectionDurability, WritesAreDurable>();
        services.TryAddKeyedSingleton(RecoGridClock.Key, TimeProvider.System);
        services.TryAddSingleton<CatalogView>();
        services.TryAddSingleton<PopularityCache>();
        services.TryAddSingleton<CoVisitationRecorder>();
        services.TryAddSingleton<IFollowerLists, CoVisitationCache>();
        services.TryAddSingleton<IActiveModelSource, NoActiveModel>();
        services.TryAddSingleton<IScoringBackend, NoScoringBackend>();
        services.TryAddSingleton<IModelVersions, ActiveModelVersions>();
        services.TryAddSingleton<IModelRecommender, ModelRecommender>();
        services.TryAddSingleton<UnfactoredItems>();
        services.TryAddSingleton<RecommendationBlender>();
        services.TryAddSingleton<PartitionHandover>();
        services.AddPlacementDirector<ScoringSiloPlacement, ScoringSiloPlacementDirector>();
        return services;
    }

    /// <summary>Binds <typeparamref name="TOptions"/> to <paramref name="section"/>, validated once at start-up by <typeparamref name="TValidator"/>.</summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions, TValidator>(this IServiceCollection services, string section)
        where TOptions : class
        where TValidator : class, IValidateOptions<TOptions>
    {
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        return services.AddOptions<TOptions>().BindConfiguration(section).ValidateOnStart();
    }
}
