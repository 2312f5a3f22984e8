using System.Collections.Immutable;

namespace RecoGrid.Abstractions;

/// <summary>One arm of an A/B experiment: the model version it ranks with and its share of users.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.experiment-variant.v1")]
public sealed record ExperimentVariant(
    [property: Id(0)] string Name,
    [property: Id(1)] string ModelVersion,
    [property: Id(2)] double Share);

/// <summary>An A/B experiment between model versions; <see cref="StoppedAt"/> is null while it runs.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.experiment-definition.v1")]
public sealed record ExperimentDefinition(
    [property: Id(0)] string ExperimentId,
    [property: Id(1)] string Name,
    [property: Id(2)] ImmutableArray<ExperimentVariant> Variants,
    [property: Id(3)] DateTimeOffset StartedAt,
    [property: Id(4)] DateTimeOffset? StoppedAt)
{
    public bool IsRunning => StoppedAt is null;
}

/// <summary>Why the registry refused to start an experiment.</summary>
public enum ExperimentRefusal
{
    None = 0,
    DuplicateName = 1,
    AnotherRunning = 2,
}

/// <summary>What <see cref="IExperimentRegistryGrain.Start"/> did: the experiment as stored, or why not (with the experiment in the way).</summary>
[GenerateSerializer, Immutable, Alias("recogrid.experiment-start-result.v1")]
public sealed record ExperimentStartResult(
    [property: Id(0)] ExperimentRefusal Refusal,
    [property: Id(1)] ExperimentDefinition? Experiment);

/// <summary>Every experiment the registry knows, newest last, and the registry's change counter.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.experiments-snapshot.v1")]
public sealed record ExperimentsSnapshot(
    [property: Id(0)] long Version,
    [property: Id(1)] ImmutableArray<ExperimentDefinition> Experiments);

/// <summary>Counts of one variant: recommendation responses served and the events that followed them, by event type.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.variant-counts.v1")]
public sealed record VariantCounts(
    [property: Id(0)] long Impressions,
    [property: Id(1)] ImmutableDictionary<string, long> Events);

/// <summary>
/// Counts one node buffered since its last flush, per variant index. <see cref="Source"/> and <see cref="Sequence"/>
/// (increasing per source) let the stats grain ignore a flush it already applied when a retry repeats it.
/// </summary>
[GenerateSerializer, Immutable, Alias("recogrid.experiment-counts-delta.v1")]
public sealed record ExperimentCountsDelta(
    [property: Id(0)] string Source,
    [property: Id(1)] long Sequence,
    [property: Id(2)] ImmutableArray<VariantCounts> Variants);

/// <summary>The experiments of the cluster: definitions, at most one running. Key: 0.</summary>
[Alias("recogrid.IExperimentRegistryGrain")]
public interface IExperimentRegistryGrain : IGrainWithIntegerKey
{
    /// <summary>Stores and starts an experiment, unless its name is taken or another one runs.</summary>
    [Alias("Start")]
    Task<ExperimentStartResult> Start(ExperimentDefinition experiment);

    /// <summary>Stops a running experiment (a stopped one is returned unchanged); null for an unknown id.</summary>
    [Alias("Stop")]
    Task<ExperimentDefinition?> Stop(string experimentId, DateTimeOffset at);

    /// <summary>Every experiment, or null when <paramref name="knownVersion"/> is still current.</summary>
    [Alias("GetSnapshot")]
    Task<ExperimentsSnapshot?> GetSnapshot(long knownVersion);
}

/// <summary>The durable per-variant counters of one experiment. Key: the experiment id.</summary>
[Alias("recogrid.IExperimentStatsGrain")]
public interface IExperimentStatsGrain : IGrainWithStringKey
{
    /// <summary>Adds a node's buffered counts; durable when the call returns.</summary>
    [Alias("Record")]
    Task Record(ExperimentCountsDelta delta);

    /// <summary>The counts per variant index (as many entries as variants counted so far).</summary>
    [Alias("GetCounts")]
    Task<ImmutableArray<VariantCounts>> GetCounts();
}
