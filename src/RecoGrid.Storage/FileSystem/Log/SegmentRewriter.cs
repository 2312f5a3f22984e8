using RecoGrid.Storage.Log;

namespace RecoGrid.Storage.FileSystem.Log;

/// <summary>
/// Compaction of one sealed segment: kept records are copied byte for byte (same sequence, time and checksum), changed ones
/// re-framed with their sequence and time, into a
/// temporary file, which is flushed and renamed over the segment, so a crash at any point leaves the old or the new file whole.
/// </summary>
internal static class SegmentRewriter
{
    private const int WriteBufferBytes = 1024 * 1024;

    public static async Task<SegmentRewriteResult> RewriteAsync(
        FileInteractionLogStore store, PartitionState state, long first, Func<LogRecord, LogAppend?> transform, CancellationToken cancellationToken)
    {
        var folder = state.Folder;
        await state.RewriteGate.WaitAsync(cancellationToken);
        try
        {
            var segments = folder.ListSegments();
            var position = segments.BinarySearch(first);
            if (position < 0)
            {
                throw new LogSegmentNotFoundException($"Partition {folder.Partition} has no segment starting at sequence {first} (its segments start at {string.Join(", ", segments)}).");
            }

            if (position == segments.Count - 1 || state.Active?.FirstSequence == first)
            {
                throw new InvalidOperationException($"Segment {first} of partition {folder.Partition} is the active segment; only sealed segments can be rewritten.");
            }

            using var rewriteLock = PartitionFolder.TryLock(folder.RewriteLockPath)
                ?? throw new IOException($"Partition {folder.Partition} is being compacted by another process (it holds '{folder.RewriteLockPath}').");
            var temp = folder.TempPath("rewrite");
            try
            {
                return await CopyKeptAsync(store, folder, first, segments[position + 1], temp, transform, cancellationToken);
            }
            finally
            {
                PartitionFolder.TryDelete(temp);
            }
        }
        finally
        {
            state.RewriteGate.Release();
        }
    }

    private static async Task<SegmentRewriteResult> CopyKeptAsync(
        FileInteractionLogStore store, PartitionFolder folder, long first, long sequenceLimit, string temp, Func<LogRecord, LogAppend?> transform, CancellationToken cancellationToken)
    {
        var changed = false;
        var flush = store.Options.FlushToDisk;
        var path = folder.SegmentPath(first);
        using var source = folder.OpenForRead(path);
        var sourceBytes = RandomAccess.GetLength(source);
        var header = new byte[SegmentFormat.HeaderSize];
        RandomAccess.Read(source, header, 0);
        SegmentFormat.ReadHeader(header, path, first);

        long recordsBefore = 0;
        var index = new SegmentIndexBuilder(first);
        long written = SegmentFormat.HeaderSize;
        using (var target = File.OpenHandle(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None))
        {
            RandomAccess.Write(target, header, 0);
            var buffer = new byte[WriteBufferBytes];
            var buffered = 0;
            var scanner = new SegmentScanner(source, path, SegmentFormat.HeaderSize, sourceBytes, first, SegmentScanMode.Sealed, sequenceLimit);
            await foreach (var record in scanner.ReadAsync(cancellationToken))
            {
                recordsBefore++;
                var stored = record.ToLogRecord();
                if (transform(stored) is not { } replacement)
                {
                    continue;
                }

                var bytes = record.Bytes;
                if (replacement.Type != stored.Type || !replacement.Payload.Span.SequenceEqual(stored.Payload.Span))
                {
                    // Same sequence and time, new content and checksum.
                    var framed = new byte[SegmentFormat.RecordSize(replacement.Payload.Length)];
                    SegmentFormat.WriteRecord(framed, record.Frame.Sequence, record.Frame.AppendedAtUnixMs, record.Frame.Flags, replacement.Type, replacement.Payload.Span);
                    bytes = framed;
                    changed = true;
                }

                if (buffered + bytes.Length > buffer.Length)
                {
                    RandomAccess.Write(target, buffer.AsSpan(0, buffered), written - buffered);
                    buffered = 0;
                }

                index.Add(record.Frame.Sequence, written);
                if (bytes.Length > buffer.Length)
                {
                    RandomAccess.Write(target, bytes.Span, written);
                }
                else
                {
                    bytes.Span.CopyTo(buffer.AsSpan(buffered));
                    buffered += bytes.Length;
                }

                written += bytes.Length;
            }

            RandomAccess.Write(target, buffer.AsSpan(0, buffered), written - buffered);
            if (flush)
            {
                RandomAccess.FlushToDisk(target);
            }
        }

        var result = new SegmentRewriteResult(first, recordsBefore, index.RecordCount, sourceBytes, written);
        if (index.RecordCount == recordsBefore && !changed)
        {
            // Nothing dropped or changed: the segment stays as it is.
            return result;
        }

        cancellationToken.ThrowIfCancellationRequested();
        PartitionFolder.MakeReadOnly(temp);
        File.Move(temp, path, overwrite: true);
        if (flush)
        {
            DurableFile.SyncDirectory(folder.Path);
        }

        var newIndex = index.Build(written);
        store.Indexes.Set(path, newIndex);
        try
        {
            await DurableFile.WriteAtomicAsync(folder.IndexPath(first), newIndex.Serialize(), flush, CancellationToken.None);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // The old index no longer matches the file's length, so it is ignored and rebuilt.
            FileLogLog.SealingStepFailed(store.Logger, error, folder.Partition, path);
        }

        FileLogLog.SegmentRewritten(store.Logger, folder.Partition, path, recordsBefore, sourceBytes, index.RecordCount, written);
        return result;
    }
}
