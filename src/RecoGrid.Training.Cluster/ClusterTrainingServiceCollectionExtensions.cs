using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using RecoGrid.Grains;
using RecoGrid.Storage.Training;
using RecoGrid.Training.Cluster.Placement;
using RecoGrid.Training.Cluster.Workers;

namespace RecoGrid.Training.Cluster;

/// <summary>Registers distributed training on a silo.</summary>
public static class ClusterTrainingServiceCollectionExtensions
{
    /// <summary>
    /// Adds the training placement, the silo's shared worker resources, the options (section <c>Training</c>) and,
    /// unless one is registered already, the file block store under <paramref name="blockRoot"/>. The silo also needs
    /// a reminder service and the <see cref="TrainingStorage.Name"/> grain storage.
    /// </summary>
    public static IServiceCollection AddRecoGridClusterTraining(this IServiceCollection services, string blockRoot)
    {
        services.AddValidatedOptions<ClusterTrainingOptions, ClusterTrainingOptionsValidator>(ClusterTrainingOptions.Section);
        services.TryAddSingleton<ITrainingBlockStore>(new FileTrainingBlockStore(blockRoot));
        services.TryAddSingleton<SiloTrainingResources>();
        services.AddPlacementDirector<TrainingSiloPlacement, TrainingSiloPlacementDirector>();
        services.TryAddSingleton(sp => new ClusterIalsFactorizer(
            sp.GetRequiredService<IGrainFactory>(),
            sp.GetRequiredService<ITrainingBlockStore>(),
            sp.GetRequiredService<IOptions<ClusterTrainingOptions>>().Value));
        return services;
    }
}
