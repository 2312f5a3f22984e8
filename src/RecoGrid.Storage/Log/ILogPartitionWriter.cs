namespace RecoGrid.Storage.Log;

/// <summary>The exclusive writer of one partition. Not thread-safe: one append at a time (wrap it in a <see cref="LogGroupCommitter"/> to share it).</summary>
public interface ILogPartitionWriter : IAsyncDisposable
{
    /// <summary>The partition this writer appends to.</summary>
    int Partition { get; }

    /// <summary>The sequence number the next appended record gets.</summary>
    long NextSequence { get; }

    /// <summary>
    /// Appends <paramref name="records"/> with consecutive sequence numbers and makes them durable with one write and one flush;
    /// returns the first sequence number assigned. All or nothing: when the write or flush fails the partition is cut back to
    /// its previous end, <see cref="NextSequence"/> is unchanged and the exception propagates; a later append may succeed.
    /// If even cutting back fails the writer is faulted and every later call throws <see cref="LogWriterFaultedException"/>.
    /// </summary>
    Task<long> AppendAsync(IReadOnlyList<LogAppend> records, CancellationToken cancellationToken = default);
}
