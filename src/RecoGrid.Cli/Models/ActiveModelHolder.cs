using RecoGrid.Grains.Models;
using RecoGrid.Training.Artifacts;

namespace RecoGrid.Cli.Models;

/// <summary>The promoted model as this silo has it loaded for fold-in and vector look-ups.</summary>
public sealed class ActiveModelHolder : IActiveModelSource, IDisposable
{
    private Loaded? _current;

    public FoldInModel? Current => Volatile.Read(ref _current)?.Model;

    /// <summary>The version loaded for fold-in, or null.</summary>
    public string? Version => Current?.Version;

    /// <summary>Swaps in a new model; the previous one's user lookup is closed.</summary>
    public void Set(FoldInModel model, UserVectorLookup? lookup)
    {
        var previous = Interlocked.Exchange(ref _current, new Loaded(model, lookup));
        previous?.Lookup?.Dispose();
    }

    public void Dispose() => Interlocked.Exchange(ref _current, null)?.Lookup?.Dispose();

    private sealed record Loaded(FoldInModel Model, UserVectorLookup? Lookup);
}

/// <summary>Adapts the artifact's on-disk user index to what user grains ask for.</summary>
public sealed class ArtifactUserVectors(UserVectorLookup lookup) : IUserVectorSource
{
    public bool TryGet(string userId, Span<float> destination) => lookup.TryGet(userId, destination);
}
