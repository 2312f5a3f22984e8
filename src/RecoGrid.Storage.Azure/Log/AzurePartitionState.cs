using System.Collections.Immutable;
using RecoGrid.Storage.FileSystem.Log;

namespace RecoGrid.Storage.Azure.Log;

/// <summary>What the store shares between the writer, readers and compaction of one partition within this process.</summary>
internal sealed class AzurePartitionState(int partition)
{
    private AzureActiveSegment? _active;
    private int _writerOpen;

    public int Partition { get; } = partition;

    /// <summary>Serializes compactions of this partition in this process; blob ETags do it across processes.</summary>
    public SemaphoreSlim RewriteGate { get; } = new(1, 1);

    /// <summary>The committed end of the active segment, published by this process's writer after each durable append; null without one.</summary>
    public AzureActiveSegment? Active
    {
        get => Volatile.Read(ref _active);
        set => Volatile.Write(ref _active, value);
    }

    public bool TryClaimWriter() => Interlocked.CompareExchange(ref _writerOpen, 1, 0) == 0;

    public void ReleaseWriter() => Volatile.Write(ref _writerOpen, 0);
}

/// <summary>The active segment as of the last durable append: readers read it up to <see cref="CommittedBytes"/>, never further.</summary>
internal sealed record AzureActiveSegment(
    long FirstSequence,
    DateTimeOffset CreatedAt,
    long CommittedBytes,
    long NextSequence,
    long RecordCount,
    ImmutableArray<IndexEntry> Index);

/// <summary>Steps of the blob backend where a test can make it fail.</summary>
internal enum AzureLogOperation
{
    /// <summary>An append, after its first block reached the blob (a torn append).</summary>
    Append,

    /// <summary>Sealing the active segment and starting the next.</summary>
    Rotate,
}
