namespace RecoGrid.Training.Data;

/// <summary>
/// Parsed rows as parallel primitive arrays (user, item, weight, optional timestamp), grown by doubling:
/// 20 bytes a row at most and no object per row.
/// </summary>
internal sealed class TripletBuffer(bool withTimestamps)
{
    private const int InitialCapacity = 1 << 16;

    public int[] Users { get; private set; } = new int[InitialCapacity];

    public int[] Items { get; private set; } = new int[InitialCapacity];

    public float[] Values { get; private set; } = new float[InitialCapacity];

    public long[]? Timestamps { get; private set; } = withTimestamps ? new long[InitialCapacity] : null;

    public int Count { get; private set; }

    public void Add(int user, int item, float value, long timestamp)
    {
        if (Count == Users.Length)
        {
            Grow();
        }

        Users[Count] = user;
        Items[Count] = item;
        Values[Count] = value;
        if (Timestamps is not null)
        {
            Timestamps[Count] = timestamp;
        }

        Count++;
    }

    /// <summary>Drops the arrays once their rows have been copied out, so they can be collected early.</summary>
    public void Release()
    {
        Users = [];
        Items = [];
        Values = [];
        Timestamps = Timestamps is null ? null : [];
        Count = 0;
    }

    private void Grow()
    {
        if (Users.Length >= Array.MaxLength / 2)
        {
            throw new InvalidOperationException($"More than {Users.Length} interactions: too many rows for one in-memory matrix.");
        }

        var capacity = Users.Length * 2;
        Users = Resize(Users, capacity, Count);
        Items = Resize(Items, capacity, Count);
        Values = Resize(Values, capacity, Count);
        if (Timestamps is not null)
        {
            Timestamps = Resize(Timestamps, capacity, Count);
        }
    }

    private static T[] Resize<T>(T[] source, int capacity, int count)
    {
        // Uninitialized: every slot below Count is written before it is read.
        var target = GC.AllocateUninitializedArray<T>(capacity);
        source.AsSpan(0, count).CopyTo(target);
        return target;
    }
}
