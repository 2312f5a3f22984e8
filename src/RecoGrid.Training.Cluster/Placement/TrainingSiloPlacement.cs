using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Scoring;

namespace RecoGrid.Training.Cluster.Placement;

/// <summary>Places grains only on silos whose metadata announces the training role (<c>training</c> or <c>all</c>).</summary>
[GenerateSerializer, Immutable, Alias("recogrid.training-silo-placement")]
public sealed class TrainingSiloPlacement : PlacementStrategy
{
    public static TrainingSiloPlacement Instance { get; } = new();
}

/// <summary>Marks a grain class as placed by <see cref="TrainingSiloPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class TrainingSiloPlacementAttribute() : PlacementAttribute(TrainingSiloPlacement.Instance);

/// <summary>
/// Chooses among the compatible silos those with the training role, by the target silo's own metadata. Workers
/// (integer keys: the block number) go round-robin over the training silos in address order, so blocks spread evenly
/// and a lost silo's blocks are spread over the rest when they are next called; other grains (a job's coordinator,
/// the retraining grain) stay on the calling silo when it trains, else go to one chosen by key.
/// </summary>
public sealed class TrainingSiloPlacementDirector(ISiloMetadataCache metadata) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var training = context.GetCompatibleSilos(target)
            .Where(HostsTraining)
            .OrderBy(silo => silo.ToString(), StringComparer.Ordinal)
            .ToArray();
        if (training.Length == 0)
        {
            throw new OrleansException(
                $"No silo with the '{NodeRole.Training.Name}' role is in the cluster to host {target.GrainIdentity}. Start one with `recogrid serve --role training` (or `--role all`).");
        }

        if (target.GrainIdentity.TryGetIntegerKey(out var block, out _))
        {
            return Task.FromResult(training[(int)((ulong)block % (ulong)training.Length)]);
        }

        if (training.Contains(context.LocalSilo))
        {
            return Task.FromResult(context.LocalSilo);
        }

        var key = target.GrainIdentity.Key.ToString() ?? string.Empty;
        return Task.FromResult(training[(int)(ShardHash.Of(key) % (ulong)training.Length)]);
    }

    private bool HostsTraining(SiloAddress silo) =>
        NodeRole.Find(metadata.GetSiloMetadata(silo).Metadata.GetValueOrDefault(NodeRole.MetadataKey))?.HostsTraining == true;
}
