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

    public FoldInModel? Current => Volatile.Read(ref _current)?.Model;

    /// <summary>The version loaded for fold-in, or null.</summary>
    public string? Version => Current?.Version;

    /// <summary>Swaps in a new model; the user lookups of older ones are closed once no request can be using them.</summary>
    public void Set(FoldInModel model, UserVectorLookup? lookup)
    {
        var previous = Interlocked.Exchange(ref _current, new Loaded(model, lookup));
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
