namespace RecoGrid.Scoring;

/// <summary>Reference counting of objects that several loaded models share (memory-mapped tables, a native index).</summary>
internal static class SharedReference
{
    /// <summary>Adds a reference to <paramref name="owner"/>, whose count is <paramref name="references"/>; throws once it reached 0.</summary>
    public static void Acquire(ref int references, object owner)
    {
        var current = Volatile.Read(ref references);
        while (true)
        {
            ObjectDisposedException.ThrowIf(current <= 0, owner);
            var seen = Interlocked.CompareExchange(ref references, current + 1, current);
            if (seen == current)
            {
                return;
            }

            current = seen;
        }
    }
}
