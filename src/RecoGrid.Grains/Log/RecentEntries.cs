namespace RecoGrid.Grains.Log;

/// <summary>
/// The partition's most recent decoded records, up to a byte budget, so that a user grain catching up with what it has
/// not applied yet (the common case right after an event) is answered from memory instead of the disk.
/// Used only from the partition grain's scheduler.
/// </summary>
public sealed class RecentEntries(long budgetBytes)
{
    private readonly Dictionary<long, LogEntry> _entries = [];
    private readonly Queue<(long Sequence, long Bytes)> _order = new();
    private long _bytes;

    public void Add(LogEntry entry, long bytes)
    {
        if (budgetBytes <= 0 || !_entries.TryAdd(entry.Sequence, entry))
        {
            return;
        }

        _order.Enqueue((entry.Sequence, bytes));
        _bytes += bytes;
        while (_bytes > budgetBytes && _order.TryDequeue(out var oldest))
        {
            _entries.Remove(oldest.Sequence);
            _bytes -= oldest.Bytes;
        }
    }

    public bool TryGet(long sequence, out LogEntry? entry) => _entries.TryGetValue(sequence, out entry);
}
