using System.Collections.Immutable;
using RecoGrid.Abstractions;

namespace RecoGrid.Grains.Experiments;

/// <summary>Persisted experiment definitions.</summary>
[GenerateSerializer, Alias("recogrid.experiment-registry-state.v1")]
public sealed class ExperimentRegistryState
{
    [Id(0)] public List<ExperimentDefinition> Experiments { get; set; } = [];

    [Id(1)] public long Version { get; set; }
}

/// <summary>The cluster's experiments; every change is durable before it is acknowledged. At most one runs at a time.</summary>
public sealed class ExperimentRegistryGrain(
    [PersistentState("experiments", StorageNames.Experiments)] IPersistentState<ExperimentRegistryState> state) : Grain, IExperimentRegistryGrain
{
    /// <summary>Most experiments (stopped ones included) the registry keeps, so its state stays small.</summary>
    public const int MaxExperiments = 1_000;

    public async Task<ExperimentStartResult> Start(ExperimentDefinition experiment)
    {
        var all = state.State.Experiments;
        if (all.FirstOrDefault(e => e.IsRunning) is { } running)
        {
            return new ExperimentStartResult(ExperimentRefusal.AnotherRunning, running);
        }

        if (all.FirstOrDefault(e => string.Equals(e.Name, experiment.Name, StringComparison.Ordinal)) is { } named)
        {
            return new ExperimentStartResult(ExperimentRefusal.DuplicateName, named);
        }

        if (all.Count >= MaxExperiments)
        {
            throw new InvalidOperationException($"The experiment registry holds {MaxExperiments} experiments, its limit.");
        }

        all.Add(experiment);
        await WriteAsync(() => all.Remove(experiment));
        return new ExperimentStartResult(ExperimentRefusal.None, experiment);
    }

    public async Task<ExperimentDefinition?> Stop(string experimentId, DateTimeOffset at)
    {
        var all = state.State.Experiments;
        var index = all.FindIndex(e => e.ExperimentId == experimentId);
        if (index < 0 || !all[index].IsRunning)
        {
            return index < 0 ? null : all[index];
        }

        var before = all[index];
        all[index] = before with { StoppedAt = at };
        await WriteAsync(() => all[index] = before);
        return all[index];
    }

    public Task<ExperimentsSnapshot?> GetSnapshot(long knownVersion) =>
        Task.FromResult(knownVersion == state.State.Version && knownVersion != 0
            ? null
            : new ExperimentsSnapshot(state.State.Version, [.. state.State.Experiments]));

    private async Task WriteAsync(Action undo)
    {
        state.State.Version++;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            // Not durable, so not acknowledged: memory goes back to what storage has.
            undo();
            state.State.Version--;
            throw;
        }
    }
}

/// <summary>Persisted counters of one experiment and the last flush applied from each node.</summary>
[GenerateSerializer, Alias("recogrid.experiment-stats-state.v1")]
public sealed class ExperimentStatsState
{
    [Id(0)] public List<VariantCounts> Variants { get; set; } = [];

    [Id(1)] public Dictionary<string, long> LastSequence { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// One experiment's counters. Nodes buffer counts and flush them here every <c>Experiments:FlushInterval</c>; each
/// flush is written before it is acknowledged, so what GET shows survives a restart.
/// </summary>
public sealed class ExperimentStatsGrain(
    [PersistentState("stats", StorageNames.Experiments)] IPersistentState<ExperimentStatsState> state) : Grain, IExperimentStatsGrain
{
    // Flushes from nodes long gone are forgotten, so the map stays small.
    private const int MaxSources = 1_000;

    public async Task Record(ExperimentCountsDelta delta)
    {
        var s = state.State;
        if (s.LastSequence.TryGetValue(delta.Source, out var last) && delta.Sequence <= last)
        {
            return; // A retry of a flush already applied.
        }

        var before = s.Variants.ToList();
        var beforeSequence = last;
        for (var i = 0; i < delta.Variants.Length; i++)
        {
            while (s.Variants.Count <= i)
            {
                s.Variants.Add(new VariantCounts(0, ImmutableDictionary<string, long>.Empty));
            }

            var current = s.Variants[i];
            var add = delta.Variants[i];
            var events = current.Events.ToBuilder();
            foreach (var (type, count) in add.Events)
            {
                events[type] = events.GetValueOrDefault(type) + count;
            }

            s.Variants[i] = new VariantCounts(current.Impressions + add.Impressions, events.ToImmutable());
        }

        s.LastSequence[delta.Source] = delta.Sequence;
        if (s.LastSequence.Count > MaxSources)
        {
            s.LastSequence.Remove(s.LastSequence.First(p => p.Key != delta.Source).Key);
        }

        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            s.Variants = before;
            if (beforeSequence == 0)
            {
                s.LastSequence.Remove(delta.Source);
            }
            else
            {
                s.LastSequence[delta.Source] = beforeSequence;
            }

            throw;
        }
    }

    public Task<ImmutableArray<VariantCounts>> GetCounts() => Task.FromResult<ImmutableArray<VariantCounts>>([.. state.State.Variants]);
}
