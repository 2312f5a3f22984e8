using System.Collections.Immutable;
using RecoGrid.Abstractions;

namespace RecoGrid.Server.Experiments;

/// <summary>
/// This silo's copy of the experiment list, re-read every <c>Experiments:FlushInterval</c> (and at once after a change
/// made through this node), so assignment costs no grain call per request.
/// </summary>
public sealed class ExperimentDirectory(IGrainFactory grains)
{
    private Copy _copy = new(new ExperimentsSnapshot(0, []), null);

    /// <summary>The running experiment as of the last refresh, or null.</summary>
    public ExperimentDefinition? Running => Volatile.Read(ref _copy).Running;

    /// <summary>Every experiment as of the last refresh.</summary>
    public ImmutableArray<ExperimentDefinition> All => Volatile.Read(ref _copy).Snapshot.Experiments;

    public ExperimentDefinition? Find(string experimentId) =>
        All.FirstOrDefault(e => string.Equals(e.ExperimentId, experimentId, StringComparison.Ordinal));

    /// <summary>Finds an experiment, re-reading the registry once when this copy does not know it (created on another node).</summary>
    public async Task<ExperimentDefinition?> FindOrRefreshAsync(string experimentId)
    {
        if (Find(experimentId) is { } known)
        {
            return known;
        }

        await RefreshAsync();
        return Find(experimentId);
    }

    /// <summary>Re-reads the registry (one call; no data moves when nothing changed).</summary>
    public async Task RefreshAsync()
    {
        var copy = Volatile.Read(ref _copy);
        var snapshot = await grains.GetGrain<IExperimentRegistryGrain>(0).GetSnapshot(copy.Snapshot.Version);
        if (snapshot is not null && (snapshot.Version >= copy.Snapshot.Version || copy.Snapshot.Version == 0))
        {
            Volatile.Write(ref _copy, new Copy(snapshot, snapshot.Experiments.FirstOrDefault(e => e.IsRunning)));
        }
    }

    private sealed record Copy(ExperimentsSnapshot Snapshot, ExperimentDefinition? Running);
}
