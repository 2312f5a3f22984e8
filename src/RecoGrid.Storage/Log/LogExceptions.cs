namespace RecoGrid.Storage.Log;

/// <summary>
/// Thrown when a partition already has a writer, in this process or another one. Serializable, so a grain call that
/// fails with it on one silo (a partition still locked by a dead writer's lease) reaches the caller on another as itself.
/// </summary>
[GenerateSerializer, Alias("recogrid.log-partition-locked-exception.v1")]
public sealed class LogPartitionLockedException : IOException
{
    public LogPartitionLockedException()
    {
    }

    public LogPartitionLockedException(string message)
        : base(message)
    {
    }

    public LogPartitionLockedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Thrown when stored log data that should be valid is not; the message names where (file or blob, and offset).</summary>
public sealed class LogCorruptionException(string message, string location, long offset) : IOException(message)
{
    /// <summary>The file or blob that holds the bad data.</summary>
    public string Location { get; } = location;

    /// <summary>Byte offset of the bad record in <see cref="Location"/>.</summary>
    public long Offset { get; } = offset;
}

/// <summary>Thrown by every call of a writer that could not undo a failed append; reopen the partition to recover it.</summary>
public sealed class LogWriterFaultedException(string message, Exception? innerException) : InvalidOperationException(message, innerException);

/// <summary>Thrown when a call names a segment that the partition does not have.</summary>
public sealed class LogSegmentNotFoundException(string message) : KeyNotFoundException(message);
