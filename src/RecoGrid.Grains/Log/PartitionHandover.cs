using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using RecoGrid.Storage.Log;

namespace RecoGrid.Grains.Log;

/// <summary>
/// Hands a partition from a closing activation to the next one on the same node. The runtime stops waiting for a
/// deactivation after its timeout and may start the successor at once, while the predecessor's writer is still closing
/// (finishing its last append, releasing its lease); the successor waits for that close instead of failing to open a
/// partition that is still held in this very process. Kept per store, so silos sharing a process stay apart.
/// </summary>
internal static class PartitionHandover
{
    private static readonly ConditionalWeakTable<IInteractionLogStore, ConcurrentDictionary<int, Task>> Closings = [];

    /// <summary>Records that this node's activation of <paramref name="partition"/> is closing its writer.</summary>
    public static void Closing(IInteractionLogStore store, int partition, Task closed)
    {
        var closings = Closings.GetOrCreateValue(store);
        closings[partition] = closed;
        _ = closed.ContinueWith(
            done => ((ICollection<KeyValuePair<int, Task>>)closings).Remove(new KeyValuePair<int, Task>(partition, done)),
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    /// <summary>Waits (at most <paramref name="limit"/>) until a predecessor on this node has closed its writer.</summary>
    public static async Task WaitForPredecessorAsync(IInteractionLogStore store, int partition, TimeSpan limit, TimeProvider time)
    {
        if (!Closings.TryGetValue(store, out var closings) || !closings.TryGetValue(partition, out var closed))
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
