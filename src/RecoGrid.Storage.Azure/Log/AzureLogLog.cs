using Microsoft.Extensions.Logging;

namespace RecoGrid.Storage.Azure.Log;

/// <summary>Log messages of the blob interaction log.</summary>
internal static partial class AzureLogLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Log partition {Partition}: the active segment '{Blob}' ends in {Bytes} bytes that are not a complete append ({Reason}); sealed at offset {ValidEnd} after {Records} records, next sequence {Next}.")]
    public static partial void TailCut(ILogger logger, int partition, string blob, long validEnd, long bytes, string reason, long records, long next);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Log partition {Partition}: an append of {Records} records to '{Blob}' failed; the segment is sealed at offset {Offset} so nothing of it is read.")]
    public static partial void AppendCutBack(ILogger logger, Exception exception, int partition, int records, string blob, long offset);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Log partition {Partition}: an append failed and sealing '{Blob}' at its committed end failed too; the next append does it first.")]
    public static partial void CutBackDeferred(ILogger logger, Exception exception, int partition, string blob);

    [LoggerMessage(Level = LogLevel.Error, Message = "Log partition {Partition}: the writer lost its lease on '{Blob}' and takes no more appends.")]
    public static partial void LeaseLost(ILogger logger, Exception exception, int partition, string blob);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Log partition {Partition}: renewing the writer's lease failed; retrying.")]
    public static partial void LeaseRenewalFailed(ILogger logger, Exception exception, int partition);

    [LoggerMessage(Level = LogLevel.Information, Message = "Log partition {Partition}: sealed '{Blob}' ({Records} records, {Bytes} bytes); the next segment starts at {Next}.")]
    public static partial void SegmentSealed(ILogger logger, int partition, string blob, long records, long bytes, long next);
}
