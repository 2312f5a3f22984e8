namespace RecoGrid.Storage.Log;

/// <summary>Thrown when a partition already has a writer, in this process or another one.</summary>
public sealed class LogPartitionLockedException(string message, Exception? innerException = null) : IOException(message, innerException);

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
