using System.Collections.Concurrent;

namespace RecoGrid.Grains.Log;

/// <summary>
/// Hands a partition from a closing activation to the next one on the same silo (one instance per silo). The runtime
/// stops waiting for a deactivation after its timeout and may start the successor at once, while the predecessor's
/// writer is still closing (finishing its last append, releasing its lease); the successor waits for that close instead
/// of failing to open a partition that is still held in this very process.
/// </summary>
public sealed class PartitionHandover
{
    private readonly ConcurrentDictionary<int, Task> _closings = new();

    /// <summary>Records that this silo's activation of <paramref name="partition"/> is closing its writer.</summary>
    public void Closing(int partition, Task closed)
    {
        _closings[partition] = closed;
        _ = closed.ContinueWith(
            done => _closings.TryRemove(new KeyValuePair<int, Task>(partition, done)),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>Waits (at most <paramref name="limit"/>) until a predecessor on this silo has closed its writer.</summary>
    public async Task WaitForPredecessorAsync(int partition, TimeSpan limit, TimeProvider time)
    {
        if (!_closings.TryGetValue(partition, out var closed))
        {
            return;
        }

        try
        {
            await closed.WaitAsync(limit, time);
        }
        catch (TimeoutException)
        {
            // Opening reports the partition as held; the runtime activates it again on the next call.
        }
        catch (Exception)
        {
            // The predecessor's close failed; its writer released what it could, and opening says what is left.
        }
    }
}
