using System.Collections.Immutable;
using RecoGrid.Grains.Models;
using RecoGrid.Training.Artifacts;

namespace RecoGrid.Server.Models;

/// <summary>The promoted model as this silo has it loaded for fold-in and vector look-ups.</summary>
public sealed class ActiveModelHolder : IActiveModelSource, IDisposable
{
    // Requests that read the previous model just before a swap may still use its user lookup, so a retired lookup
    // is closed only after two more swaps.
    private const int RetiredKept = 2;
    private readonly Queue<Loaded> _retired = new();
    private Loaded? _current;

    private ImmutableDictionary<string, Loaded> _extra = ImmutableDictionary.Create<string, Loaded>(StringComparer.Ordinal);

    public FoldInModel? Current => Volatile.Read(ref _current)?.Model;

    /// <summary>Versions kept loaded besides the promoted one (an experiment's variants).</summary>
    public IReadOnlyCollection<string> ExtraVersions => Volatile.Read(ref _extra).Keys.ToArray();

    public FoldInModel? Find(string version) =>
        Current is { } current && current.Version == version ? current : Volatile.Read(ref _extra).GetValueOrDefault(version)?.Model;

    /// <summary>Keeps <paramref name="model"/> loaded besides the promoted one (replacing a previous load of its version).</summary>
    public void AddExtra(FoldInModel model, UserVectorLookup? lookup)
    {
        Loaded? previous;
        lock (_retired)
        {
            previous = _extra.GetValueOrDefault(model.Version);
            _extra = _extra.SetItem(model.Version, new Loaded(model, lookup));
        }

        Retire(previous);
    }

    /// <summary>Unloads the extra versions not in <paramref name="keep"/>.</summary>
    public void RetainExtras(IReadOnlyCollection<string> keep)
    {
        List<Loaded> dropped;
        lock (_retired)
        {
            dropped = [.. _extra.Where(p => !keep.Contains(p.Key)).Select(p => p.Value)];
            _extra = _extra.RemoveRange(_extra.Keys.Where(k => !keep.Contains(k)).ToArray());
        }

        dropped.ForEach(Retire);
    }

    /// <summary>The version loaded for fold-in, or null.</summary>
    public string? Version => Current?.Version;

    /// <summary>Swaps in a new model; the user lookups of older ones are closed once no request can be using them.</summary>
    public void Set(FoldInModel model, UserVectorLookup? lookup)
    {
        Retire(Interlocked.Exchange(ref _current, new Loaded(model, lookup)));
    }

    private void Retire(Loaded? previous)
    {
        lock (_retired)
        {
            if (previous is not null)
            {
                _retired.Enqueue(previous);
            }

            while (_retired.Count > RetiredKept)
            {
                _retired.Dequeue().Lookup?.Dispose();
            }
        }
    }

    public void Dispose()
    {
        Interlocked.Exchange(ref _current, null)?.Lookup?.Dispose();
        lock (_retired)
        {
            foreach (var extra in _extra.Values)
            {
                extra.Lookup?.Dispose();
            }

            _extra = _extra.Clear();
            while (_retired.Count > 0)
            {
                _retired.Dequeue().Lookup?.Dispose();
            }
        }
    }

    private sealed record Loaded(FoldInModel Model, UserVectorLookup? Lookup);
}

/// <summary>Adapts the artifact's on-disk user index to what user grains ask for.</summary>
public sealed class ArtifactUserVectors(UserVectorLookup lookup) : IUserVectorSource
{
    public bool TryGet(string userId, Span<float> destination) => lookup.TryGet(userId, destination);

    public int[] TrainingHistory(string userId) => lookup.GetHistory(userId);
}
