namespace RecoGrid.Grains.Log;

/// <summary>The kinds of record the interaction log holds (the type byte of each stored record; never renumber).</summary>
public static class LogRecordType
{
    /// <summary>The events of one request that belong to the partition (a whole batch, or one part of it).</summary>
    public const byte Events = 1;

    /// <summary>A multi-part batch is visible: every part was durable.</summary>
    public const byte Commit = 2;

    /// <summary>A multi-part batch failed elsewhere: its part here is never visible.</summary>
    public const byte Abort = 3;

    /// <summary>A user was erased: their earlier records are never read again, and compaction removes them.</summary>
    public const byte Tombstone = 4;
}
