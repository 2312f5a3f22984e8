using System.Collections.Immutable;

namespace RecoGrid.Storage.FileSystem.Log;

/// <summary>What the store shares between the writer, readers and compaction of one partition within this process.</summary>
internal sealed class PartitionState(PartitionFolder folder)
{
    private ActiveSegment? _active;
    private int _writerOpen;

    public PartitionFolder Folder { get; } = folder;

    /// <summary>Serializes compactions and temp-file clean-up in this process; <c>rewrite.lock</c> does it across processes.</summary>
    public SemaphoreSlim RewriteGate { get; } = new(1, 1);

    /// <summary>The committed end of the active segment, published by this process's writer after each durable append; null without one.</summary>
    public ActiveSegment? Active
    {
        get => Volatile.Read(ref _active);
        set => Volatile.Write(ref _active, value);
    }

    public bool TryClaimWriter() => Interlocked.CompareExchange(ref _writerOpen, 1, 0) == 0;

    public void ReleaseWriter() => Volatile.Write(ref _writerOpen, 0);
}

/// <summary>The active segment as of the last durable append: readers read it up to <see cref="CommittedBytes"/>, never further.</summary>
internal sealed record ActiveSegment(
    long FirstSequence,
    DateTimeOffset CreatedAt,
    long CommittedBytes,
    long NextSequence,
    long RecordCount,
    ImmutableArray<IndexEntry> Index);

/// <summary>Steps of the file backend where a test can make it fail.</summary>
internal enum FileLogOperation
{
    /// <summary>The write of an append, after half of its bytes reached the file (a torn write).</summary>
    Write,

    /// <summary>The fsync of an append, after all of its bytes were written.</summary>
    Flush,

    /// <summary>Cutting the segment back after a failed append.</summary>
    Truncate,

    /// <summary>Creating the next segment when the active one is sealed.</summary>
    CreateSegment,
}
