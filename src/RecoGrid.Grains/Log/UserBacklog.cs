namespace RecoGrid.Grains.Log;

/// <summary>
/// Per user, the visible records of one partition that no durable checkpoint of the user's state covers yet: what a
/// reloaded user grain must re-apply, and what keeps the partition's recovery point from moving past them.
/// Used only from the partition grain's scheduler.
/// </summary>
public sealed class UserBacklog
{
    private readonly Dictionary<string, Entry> _users = new(StringComparer.Ordinal);

    /// <summary>Users with records not covered by a checkpoint.</summary>
    public int Count => _users.Count;

    /// <summary>Adds a visible record of <paramref name="userId"/>.</summary>
    public void Add(string userId, long sequence, DateTimeOffset appendedAt)
    {
        if (!_users.TryGetValue(userId, out var entry))
        {
            _users[userId] = entry = new Entry(appendedAt);
        }

        // Records become visible in decision order, which a multi-part batch can make differ from sequence order;
        // catch-up must hand them over in sequence order, so keep the list sorted (it is short, and almost always
        // appended at the end).
        var at = entry.Sequences.Count;
        while (at > 0 && entry.Sequences[at - 1] > sequence)
        {
            at--;
        }

        if (at == 0 || entry.Sequences[at - 1] != sequence)
        {
            entry.Sequences.Insert(at, sequence);
        }
    }

    /// <summary>Forgets every record of <paramref name="userId"/> (an erasure replaces them).</summary>
    public void Clear(string userId) => _users.Remove(userId);

    /// <summary>The user's uncovered records at or after <paramref name="position"/>, in sequence order.</summary>
    public IReadOnlyList<long> From(string userId, long position) =>
        _users.TryGetValue(userId, out var entry) ? entry.Sequences.Where(s => s >= position).ToList() : [];

    /// <summary>A checkpoint covers every record of the user before <paramref name="position"/>.</summary>
    public void Covered(string userId, long position, DateTimeOffset now)
    {
        if (!_users.TryGetValue(userId, out var entry))
        {
            return;
        }

        var removed = entry.Sequences.RemoveAll(s => s < position);
        if (entry.Sequences.Count == 0)
        {
            _users.Remove(userId);
        }
        else if (removed > 0)
        {
            entry.Since = now;
        }
    }

    /// <summary>The lowest uncovered sequence of any user, or null when every record is covered.</summary>
    public long? Lowest()
    {
        long? lowest = null;
        foreach (var entry in _users.Values)
        {
            if (lowest is null || entry.Sequences[0] < lowest)
            {
                lowest = entry.Sequences[0];
            }
        }

        return lowest;
    }

    /// <summary>
    /// Up to <paramref name="limit"/> users to ask for a checkpoint, oldest first: those waiting since before
    /// <paramref name="before"/>, and while more than <paramref name="maxUsers"/> wait, the oldest of the rest too.
    /// </summary>
    public IReadOnlyList<string> Stale(DateTimeOffset before, int maxUsers, int limit)
    {
        var excess = Math.Max(0, _users.Count - maxUsers);
        var oldest = _users.Where(pair => pair.Value.Since < before).Take(limit).Select(pair => pair.Key).ToList();
        if (excess > 0 && oldest.Count < limit)
        {
            // Dictionary order is insertion order until removals: close enough to oldest first, without a sort.
            oldest.AddRange(_users.Keys.Take(Math.Min(excess, limit - oldest.Count)).Where(u => !oldest.Contains(u)));
        }

        return oldest;
    }

    private sealed class Entry(DateTimeOffset since)
    {
        public List<long> Sequences { get; } = [];

        public DateTimeOffset Since { get; set; } = since;
    }
}
