namespace RecoGrid.Grains.Log;

/// <summary>
/// The most recent client event ids of one partition (as 128-bit keys of user and id), oldest evicted first. An id is
/// "reserved" while its batch is undecided, so a concurrent retry waits for that decision instead of being counted.
/// Used only from the partition grain's scheduler.
/// </summary>
public sealed class DeduplicationWindow(int capacity)
{
    private readonly Dictionary<UInt128, Guid?> _keys = [];
    private readonly Queue<(UInt128 Key, long Sequence)> _order = new();

    /// <summary>Ids remembered now.</summary>
    public int Count => _keys.Count;

    /// <summary>The sequence of the oldest remembered id's record (where a rebuild must start reading), or null when empty.</summary>
    public long? OldestSequence => _order.TryPeek(out var oldest) ? oldest.Sequence : null;

    /// <summary>Whether <paramref name="key"/> is known; <paramref name="pendingBatch"/> names its batch while undecided.</summary>
    public bool Contains(UInt128 key, out Guid? pendingBatch) => _keys.TryGetValue(key, out pendingBatch);

    /// <summary>Reserves <paramref name="key"/> for an undecided (or, with a null batch, durable and visible) record.</summary>
    public void Add(UInt128 key, Guid? pendingBatch, long sequence)
    {
        if (capacity == 0 || !_keys.TryAdd(key, pendingBatch))
        {
            return;
        }

        _order.Enqueue((key, sequence));
        while (_keys.Count > capacity && _order.TryDequeue(out var oldest))
        {
            _keys.Remove(oldest.Key);
        }
    }

    /// <summary>The batch was decided visible: its ids now count as recorded.</summary>
    public void Confirm(UInt128 key)
    {
        if (_keys.ContainsKey(key))
        {
            _keys[key] = null;
        }
    }

    /// <summary>The batch will never be visible: its ids are free again.</summary>
    public void Release(UInt128 key) => _keys.Remove(key);
}
