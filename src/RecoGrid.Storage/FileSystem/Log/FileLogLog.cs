using Microsoft.Extensions.Logging;

namespace RecoGrid.Storage.FileSystem.Log;

/// <summary>Log messages of the file-system interaction log.</summary>
internal static partial class FileLogLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Log partition {Partition}: cut {Bytes} bytes off segment '{Path}' at offset {Offset} ({Reason}); the {Records} records before it were kept and the next sequence is {NextSequence}.")]
    public static partial void TailCut(ILogger logger, int partition, string path, long offset, long bytes, string reason, long records, long nextSequence);

    [LoggerMessage(Level = LogLevel.Information, Message = "Log partition {Partition}: removed '{Path}', left by an interrupted write.")]
    public static partial void TempFileRemoved(ILogger logger, int partition, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Log partition {Partition}: an append of {Records} records failed and was cut back off '{Path}' at offset {Offset}.")]
    public static partial void AppendCutBack(ILogger logger, Exception error, int partition, int records, string path, long offset);

    [LoggerMessage(Level = LogLevel.Error, Message = "Log partition {Partition}: the writer is faulted because a failed append could not be cut back off '{Path}'.")]
    public static partial void WriterFaulted(ILogger logger, Exception error, int partition, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Log partition {Partition}: sealed '{Path}' ({Records} records, {Bytes} bytes); the next segment starts at sequence {NextSequence}.")]
    public static partial void SegmentSealed(ILogger logger, int partition, string path, long records, long bytes, long nextSequence);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Log partition {Partition}: sealing '{Path}' did not finish (read-only flag or index file); reads rebuild the index when needed.")]
    public static partial void SealingStepFailed(ILogger logger, Exception error, int partition, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Log partition {Partition}: compacted '{Path}' from {RecordsBefore} records ({BytesBefore} bytes) to {RecordsKept} ({BytesAfter} bytes).")]
    public static partial void SegmentRewritten(ILogger logger, int partition, string path, long recordsBefore, long bytesBefore, long recordsKept, long bytesAfter);
}
