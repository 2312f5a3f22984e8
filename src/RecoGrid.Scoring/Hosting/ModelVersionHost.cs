using RecoGrid.Scoring.Batching;

namespace RecoGrid.Scoring.Hosting;

/// <summary>
/// A loaded model version with its batcher, reference counted: the engine holds one reference while the version is
/// loaded and every request holds one while it runs; the last release disposes the batcher and the sessions.
/// </summary>
internal sealed class ModelVersionHost
{
    private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _references = 1;

    private readonly bool _ownsModel;

    public ModelVersionHost(ScoringModel model, ScoringBatcher batcher, ScoringBatcher candidateBatcher, ScoringBatcher similarBatcher, bool ownsModel)
    {
        SimilarBatcher = similarBatcher;
        Model = model;
        Batcher = batcher;
        CandidateBatcher = candidateBatcher;
        _ownsModel = ownsModel;
    }

    public ScoringModel Model { get; }

    /// <summary>Micro-batches full-catalogue requests.</summary>
    public ScoringBatcher Batcher { get; }

    /// <summary>Micro-batches two-stage requests through the candidate graph.</summary>
    public ScoringBatcher CandidateBatcher { get; }

    /// <summary>Micro-batches similar-items requests through the cosine graph.</summary>
    public ScoringBatcher SimilarBatcher { get; }

    public string Version => Model.ModelVersion;

    /// <summary>Completes once the sessions have been disposed.</summary>
    public Task Disposed => _disposed.Task;

    /// <summary>Takes a reference unless the version has already been released for good.</summary>
    public bool TryAcquire()
    {
        var current = Volatile.Read(ref _references);
        while (current > 0)
        {
            var seen = Interlocked.CompareExchange(ref _references, current + 1, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            _ = DisposeAsync();
        }
    }

    private async Task DisposeAsync()
    {
        try
        {
            await Batcher.DisposeAsync();
            await CandidateBatcher.DisposeAsync();
            await SimilarBatcher.DisposeAsync();
            if (_ownsModel)
            {
                Model.Dispose();
            }

            _disposed.TrySetResult();
        }
        catch (Exception ex)
        {
            _disposed.TrySetException(ex);
        }
    }
}
