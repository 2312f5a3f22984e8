using RecoGrid.Scoring.Batching;

namespace RecoGrid.Scoring.Tests;

/// <summary>
/// A batch runner the test controls: records every batch and holds the first one until <see cref="Release"/>, so a test
/// can fill the queue behind an in-flight batch without timing.
/// </summary>
internal sealed class GatedRunner(IBatchRunner? inner = null) : IBatchRunner
{
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _firstBatchStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<int> _batchSizes = [];

    public Task FirstBatchStarted => _firstBatchStarted.Task;

    public IReadOnlyList<int> BatchSizes
    {
        get
        {
            lock (_batchSizes)
            {
                return [.. _batchSizes];
            }
        }
    }

    public void Release() => _gate.TrySetResult();

    public async Task<IReadOnlyList<RankedItems>> RunAsync(IReadOnlyList<BatchRequest> batch, CancellationToken cancellationToken)
    {
        lock (_batchSizes)
        {
            _batchSizes.Add(batch.Count);
        }

        _firstBatchStarted.TrySetResult();
        await _gate.Task;
        if (inner is not null)
        {
            return await inner.RunAsync(batch, cancellationToken);
        }

        // Echo runner: each row's single "item" is the first component of its user vector, so callers can check
        // that they got their own row back.
        return batch.Select(request => new RankedItems([(int)request.UserVector.Span[0]], [request.UserVector.Span[0]])).ToArray();
    }
}
