using RecoGrid.Abstractions;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace RecoGrid.Grains.Scoring;

/// <summary>Places grains only on silos whose metadata announces the scoring role.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.scoring-silo-placement")]
public sealed class ScoringSiloPlacement : PlacementStrategy
{
    public static ScoringSiloPlacement Instance { get; } = new();
}

/// <summary>Marks a grain class as placed by <see cref="ScoringSiloPlacement"/>.</summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class ScoringSiloPlacementAttribute() : PlacementAttribute(ScoringSiloPlacement.Instance);

/// <summary>
/// Chooses among the compatible silos those with the scoring role (by the target silo's own metadata,
/// unlike Orleans' required-match filter, which compares with the caller's), spreading activations by grain key.
/// </summary>
public sealed class ScoringSiloPlacementDirector(ISiloMetadataCache metadata) : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var scoring = context.GetCompatibleSilos(target)
            .Where(silo => NodeRole.Find(metadata.GetSiloMetadata(silo).Metadata.GetValueOrDefault(NodeRole.MetadataKey))?.HostsScoring == true)
            .OrderBy(silo => silo.ToString(), StringComparer.Ordinal)
            .ToArray();
        if (scoring.Length == 0)
        {
            throw new OrleansException(
                $"No silo with the '{NodeRole.Scoring.Name}' role is in the cluster to host {target.GrainIdentity}. Start one with `recogrid serve --role scoring` (or `--role all`).");
        }

        var key = target.GrainIdentity.Key.ToString();
        return Task.FromResult(scoring[(int)(ShardHash.Of(key ?? string.Empty) % (ulong)scoring.Length)]);
    }
}
