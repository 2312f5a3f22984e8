using System.Buffers;
using Microsoft.Win32.SafeHandles;
using RecoGrid.Storage.Log;

namespace RecoGrid.Storage.FileSystem.Log;

/// <summary>
/// The writer of one partition on the file system: appends to the active segment with one positional write and one fsync,
/// seals it and starts the next when it is full or old, and cuts a failed append back off.
/// </summary>
internal sealed class FileLogPartitionWriter : ILogPartitionWriter
{
    // One buffer holds a whole append; beyond this an append is refused rather than risk a huge allocation.
    private const long MaxAppendBytes = 1L << 30;

    private readonly FileInteractionLogStore _store;
    private readonly PartitionState _state;
    private readonly SafeFileHandle _lock;
    private SafeFileHandle _segment;
    private long _segmentFirst;
    private DateTimeOffset _createdAt;
    private long _length;
    private long _next;
    private SegmentIndexBuilder _index;
    private int _busy;
    private Task _inFlight = Task.CompletedTask;
    private volatile LogWriterFaultedException? _fault;
    private volatile bool _disposed;

    private FileLogPartitionWriter(FileInteractionLogStore store, PartitionState state, SafeFileHandle writerLock, RecoveredSegment active)
    {
        _store = store;
        _state = state;
        _lock = writerLock;
        _segment = active.Handle;
        _segmentFirst = active.FirstSequence;
        _createdAt = active.CreatedAt;
        _length = active.Length;
        _next = active.Index.LastSequence + 1;
        _index = active.Index;
        Publish();
    }

    public int Partition => _state.Folder.Partition;

    public long NextSequence => Volatile.Read(ref _next);

    private PartitionFolder Folder => _state.Folder;

    private string SegmentPath => Folder.SegmentPath(_segmentFirst);

    private bool FlushToDisk => _store.Options.FlushToDisk;

    /// <summary>Takes the partition's writer lock, removes leftovers of interrupted writes and recovers the active segment.</summary>
    internal static async Task<FileLogPartitionWriter> OpenAsync(FileInteractionLogStore store, PartitionState state, CancellationToken cancellationToken)
    {
        var folder = state.Folder;
        if (!state.TryClaimWriter())
        {
            throw new LogPartitionLockedException($"Partition {folder.Partition} of the interaction log at '{folder.Path}' already has an open writer in this process.");
        }

        SafeFileHandle? writerLock = null;
        try
        {
            Directory.CreateDirectory(folder.Path);
            writerLock = PartitionFolder.TryLock(folder.WriterLockPath)
                ?? throw new LogPartitionLockedException($"Partition {folder.Partition} of the interaction log at '{folder.Path}' already has a writer in another process (it holds '{folder.WriterLockPath}').");
            await store.RemoveTempFilesAsync(state, cancellationToken);
            var active = await RecoverAsync(store, folder, cancellationToken);
            return new FileLogPartitionWriter(store, state, writerLock, active);
        }
        catch
        {
            writerLock?.Dispose();
            state.ReleaseWriter();
            throw;
        }
    }

    public async Task<long> AppendAsync(IReadOnlyList<LogAppend> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        var bytes = SegmentFormat.MeasureAppend(records, MaxAppendBytes);
        if (Interlocked.Exchange(ref _busy, 1) != 0)
        {
            throw new InvalidOperationException($"Partition {Partition}: another append is still in progress; a writer takes one append at a time (share it through a LogGroupCommitter).");
        }

        try
        {
            ThrowIfUnusable();
            cancellationToken.ThrowIfCancellationRequested();

            // The write and fsync block, so they run on the thread pool rather than on the caller's thread (an Orleans scheduler, say).
            var append = Task.Run(() => AppendCoreAsync(records, bytes), CancellationToken.None);
            _inFlight = append;
            return await append;
        }
        finally
        {
            Volatile.Write(ref _busy, 0);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            await _inFlight;
        }
        catch (Exception)
        {
            // Its caller got the exception; disposing only has to wait for the file to be left alone.
        }

        _state.Active = null;
        _segment.Dispose();
        _lock.Dispose();
        _state.ReleaseWriter();
    }

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_fault is { } fault)
        {
            throw new LogWriterFaultedException(fault.Message, fault);
        }
    }

    private async Task<long> AppendCoreAsync(IReadOnlyList<LogAppend> records, int bytes)
    {
        var now = _store.Time.GetUtcNow();
        if (_index.RecordCount > 0 && (_length + bytes > _store.Options.SegmentBytes || now - _createdAt >= _store.Options.SegmentMaxAge))
        {
            await RotateAsync(now);
        }

        var first = _next;
        var buffer = ArrayPool<byte>.Shared.Rent(bytes);
        try
        {
            var appendedAt = now.ToUnixTimeMilliseconds();
            var at = 0;
            for (var i = 0; i < records.Count; i++)
            {
                var flags = i == records.Count - 1 ? SegmentFormat.EndOfAppend : (byte)0;
                at += SegmentFormat.WriteRecord(buffer.AsSpan(at), first + i, appendedAt, flags, records[i].Type, records[i].Payload.Span);
            }

            WriteDurably(buffer.AsSpan(0, bytes), records.Count);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        var offset = _length;
        for (var i = 0; i < records.Count; i++)
        {
            _index.Add(first + i, offset);
            offset += SegmentFormat.RecordSize(records[i].Payload.Length);
        }

        _length = offset;
        Volatile.Write(ref _next, first + records.Count);
        Publish();
        return first;
    }

    private void WriteDurably(ReadOnlySpan<byte> data, int records)
    {
        var offset = _length;
        try
        {
            if (_store.InjectedFault(Partition, FileLogOperation.Write) is { } tornWrite)
            {
                RandomAccess.Write(_segment, data[..(data.Length / 2)], offset);
                throw tornWrite;
            }

            RandomAccess.Write(_segment, data, offset);
            _store.ThrowIfInjected(Partition, FileLogOperation.Flush);
            if (FlushToDisk)
            {
                RandomAccess.FlushToDisk(_segment);
            }
        }
        catch (Exception error)
        {
            CutBack(offset, records, error);
            throw;
        }
    }

    // Undoes a failed append so a later one starts from the committed end; if that fails too, nothing more may be appended.
    private void CutBack(long offset, int records, Exception error)
    {
        try
        {
            _store.ThrowIfInjected(Partition, FileLogOperation.Truncate);
            RandomAccess.SetLength(_segment, offset);
            if (FlushToDisk)
            {
                RandomAccess.FlushToDisk(_segment);
            }

            FileLogLog.AppendCutBack(_store.Logger, error, Partition, records, SegmentPath, offset);
        }
        catch (Exception cutError)
        {
            var fault = new LogWriterFaultedException(
                $"Partition {Partition}: an append failed ({error.Message}) and cutting '{SegmentPath}' back to {offset} bytes failed too ({cutError.Message}); this writer takes no more appends, reopen the partition to recover it.",
                new AggregateException(error, cutError));
            _fault = fault;
            FileLogLog.WriterFaulted(_store.Logger, fault, Partition, SegmentPath);
            throw fault;
        }
    }

    private async Task RotateAsync(DateTimeOffset now)
    {
        _store.ThrowIfInjected(Partition, FileLogOperation.CreateSegment);
        var first = _next;
        var next = Folder.CreateSegment(first, now, FlushToDisk);
        var (sealedFirst, sealedPath, sealedIndex) = (_segmentFirst, SegmentPath, _index.Build(_length));
        _segment.Dispose();
        (_segment, _segmentFirst, _createdAt, _length, _index) = (next, first, now, SegmentFormat.HeaderSize, new SegmentIndexBuilder(first));
        Publish();

        _store.Indexes.Set(sealedPath, sealedIndex);
        try
        {
            PartitionFolder.MakeReadOnly(sealedPath);
            await DurableFile.WriteAtomicAsync(Folder.IndexPath(sealedFirst), sealedIndex.Serialize(), FlushToDisk);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            // The index only speeds reads up; it is rebuilt from the segment when missing.
            FileLogLog.SealingStepFailed(_store.Logger, error, Partition, sealedPath);
        }

        FileLogLog.SegmentSealed(_store.Logger, Partition, sealedPath, sealedIndex.RecordCount, sealedIndex.SegmentBytes, first);
    }

    private void Publish() =>
        _state.Active = new ActiveSegment(_segmentFirst, _createdAt, _length, _next, _index.RecordCount, _index.Entries);

    private static async Task<RecoveredSegment> RecoverAsync(FileInteractionLogStore store, PartitionFolder folder, CancellationToken cancellationToken)
    {
        var flush = store.Options.FlushToDisk;
        var segments = folder.ListSegments();
        if (segments.Count == 0)
        {
            var createdAt = store.Time.GetUtcNow();
            return new RecoveredSegment(folder.CreateSegment(0, createdAt, flush), 0, createdAt, SegmentFormat.HeaderSize, new SegmentIndexBuilder(0));
        }

        var first = segments[^1];
        var path = folder.SegmentPath(first);
        var handle = PartitionFolder.OpenForAppend(path);
        try
        {
            var createdAt = PartitionFolder.ReadHeader(handle, path, first);
            var fileLength = RandomAccess.GetLength(handle);
            var index = new SegmentIndexBuilder(first);
            var scanner = new SegmentScanner(handle, path, SegmentFormat.HeaderSize, fileLength, first, SegmentScanMode.Tail);
            await foreach (var record in scanner.ReadAsync(cancellationToken))
            {
                index.Add(record.Frame.Sequence, record.Offset);
            }

            if (scanner.ValidEnd < fileLength)
            {
                RandomAccess.SetLength(handle, scanner.ValidEnd);
                if (flush)
                {
                    RandomAccess.FlushToDisk(handle);
                }

                FileLogLog.TailCut(store.Logger, folder.Partition, path, scanner.ValidEnd, fileLength - scanner.ValidEnd, scanner.StopReason ?? "unreadable bytes", index.RecordCount, scanner.NextSequence);
            }

            if (segments.Count > 1)
            {
                // A crash between starting this segment and finishing the seal of the previous one leaves that seal to redo.
                var previous = segments[^2];
                await store.Indexes.GetOrBuildAsync(folder, previous, first, persist: true, flush, cancellationToken);
                PartitionFolder.MakeReadOnly(folder.SegmentPath(previous));
            }

            return new RecoveredSegment(handle, first, createdAt, scanner.ValidEnd, index);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private sealed record RecoveredSegment(SafeFileHandle Handle, long FirstSequence, DateTimeOffset CreatedAt, long Length, SegmentIndexBuilder Index);
}
