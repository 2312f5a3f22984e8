using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using RecoGrid.Storage.FileSystem.Log;
using RecoGrid.Storage.Log;

namespace RecoGrid.Storage.Azure.Log;

/// <summary>
/// The writer of one partition on blobs. Each append is written with append-block calls conditioned on the committed
/// length (one for an append up to 4 MiB), and is durable when they return. An append that fails may have left some
/// of its bytes in the blob, which cannot be truncated, so the segment is sealed at its committed end (blob metadata
/// readers honour) and the next segment starts at the same sequence number. The writer holds a lease on the partition's
/// lock blob, renewed in the background; losing it faults the writer.
/// </summary>
internal sealed class AzureLogPartitionWriter : ILogPartitionWriter
{
    /// <summary>Largest append-block Azure (and Azurite) accept.</summary>
    internal const int MaxBlockBytes = 4 * 1024 * 1024;

    // An append blob holds at most 50,000 blocks.
    private const int MaxBlocksPerSegment = 49_000;
    private const long MaxAppendBytes = 256L * 1024 * 1024;

    private readonly AzureInteractionLogStore _store;
    private readonly AzurePartitionState _state;
    private readonly BlobLeaseClient _lease;
    private readonly string _lockBlob;
    private readonly CancellationTokenSource _stopRenewing = new();
    private readonly SemaphoreSlim _renewGate = new(1, 1);
    private Task _renewal = Task.CompletedTask;
    private long _leaseRenewedAt;
    private AppendBlobClient _segment;
    private long _segmentFirst;
    private DateTimeOffset _createdAt;
    private long _length;
    private int _blocks;
    private long _next;
    private SegmentIndexBuilder _index;
    private bool _mustSeal;
    private int _busy;
    private Task _inFlight = Task.CompletedTask;
    private volatile LogWriterFaultedException? _fault;
    private volatile bool _disposed;

    private AzureLogPartitionWriter(AzureInteractionLogStore store, AzurePartitionState state, BlobLeaseClient lease, string lockBlob, long leaseAcquiredAt)
    {
        _store = store;
        _state = state;
        _lease = lease;
        _lockBlob = lockBlob;
        _leaseRenewedAt = leaseAcquiredAt;
        _segment = null!;
        _index = null!;
    }

    public int Partition => _state.Partition;

    public long NextSequence => Volatile.Read(ref _next);

    private BlobContainerClient Container => _store.Container;

    private TimeSpan LeaseDuration => _store.Options.LeaseDuration;

    /// <summary>Takes the partition's lease, then recovers the active segment (a torn last append is sealed off, never read).</summary>
    internal static async Task<AzureLogPartitionWriter> OpenAsync(AzureInteractionLogStore store, AzurePartitionState state, CancellationToken cancellationToken)
    {
        var partition = state.Partition;
        if (!state.TryClaimWriter())
        {
            throw new LogPartitionLockedException($"Partition {partition} of the interaction log at '{store.Location}' already has an open writer in this process.");
        }

        AzureLogPartitionWriter? writer = null;
        try
        {
            var lockName = BlobLogLayout.LockBlob(partition);
            var lockBlob = store.Container.GetBlobClient(lockName);
            try
            {
                await lockBlob.UploadAsync(BinaryData.Empty, new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken);
            }
            catch (RequestFailedException error) when (error.Status is 409 or 412)
            {
                // It exists (and may be leased).
            }

            var lease = lockBlob.GetBlobLeaseClient();
            try
            {
                await lease.AcquireAsync(store.Options.LeaseDuration, cancellationToken: cancellationToken);
            }
            catch (RequestFailedException error) when (error.Status == 409)
            {
                throw new LogPartitionLockedException(
                    $"Partition {partition} of the interaction log at '{store.Location}' already has a writer (another process holds the lease on '{lockName}'; a crashed writer's lease expires within {store.Options.LeaseDuration.TotalSeconds:F0} s).", error);
            }

            writer = new AzureLogPartitionWriter(store, state, lease, lockName, store.LeaseClock.GetTimestamp());
            await writer.RecoverAsync(cancellationToken);
            writer._renewal = Task.Run(writer.RenewLoopAsync, CancellationToken.None);
            return writer;
        }
        catch
        {
            if (writer is not null)
            {
                await writer.ReleaseLeaseAsync();
            }

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
            var append = AppendCoreAsync(records, bytes);
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
            // Its caller got the exception; disposing only has to wait for the blob to be left alone.
        }

        await _stopRenewing.CancelAsync();
        await _renewal;
        _state.Active = null;
        await ReleaseLeaseAsync();
        _state.ReleaseWriter();
        _stopRenewing.Dispose();
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
        await EnsureLeaseAsync(force: false);
        if (_mustSeal)
        {
            await SealAndStartNextAsync(_store.Time.GetUtcNow());
        }

        var now = _store.Time.GetUtcNow();
        var blocksNeeded = (bytes + MaxBlockBytes - 1) / MaxBlockBytes;
        if (_index.RecordCount > 0
            && (_length + bytes > _store.Options.SegmentBytes || now - _createdAt >= _store.Options.SegmentMaxAge || _blocks + blocksNeeded > MaxBlocksPerSegment))
        {
            await SealAndStartNextAsync(now);
        }

        var first = _next;
        var buffer = new byte[bytes];
        var appendedAt = now.ToUnixTimeMilliseconds();
        var at = 0;
        for (var i = 0; i < records.Count; i++)
        {
            var flags = i == records.Count - 1 ? SegmentFormat.EndOfAppend : (byte)0;
            at += SegmentFormat.WriteRecord(buffer.AsSpan(at), first + i, appendedAt, flags, records[i].Type, records[i].Payload.Span);
        }

        await WriteAsync(buffer, records.Count);

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

    private async Task WriteAsync(byte[] data, int records)
    {
        var written = 0;
        try
        {
            if (_store.InjectedFault(Partition, AzureLogOperation.Append) is { } torn)
            {
                await AppendBlockAsync(data.AsMemory(0, Math.Max(1, data.Length / 2)), _length);
                throw torn;
            }

            while (written < data.Length)
            {
                var size = Math.Min(MaxBlockBytes, data.Length - written);
                await AppendBlockAsync(data.AsMemory(written, size), _length + written);
                written += size;
            }
        }
        catch (Exception error)
        {
            await CutBackAsync(records, error);
            throw new IOException($"Partition {Partition}: an append of {records} records to '{_segment.Uri}' failed ({error.Message}); nothing of it is part of the log.", error);
        }
    }

    private async Task AppendBlockAsync(ReadOnlyMemory<byte> block, long position)
    {
        using var content = new MemoryStream(block.ToArray(), writable: false);
        var info = await _segment.AppendBlockAsync(content, new AppendBlobAppendBlockOptions
        {
            Conditions = new AppendBlobRequestConditions { IfAppendPositionEqual = position },
        });
        _blocks = info.Value.BlobCommittedBlockCount;
    }

    // Bytes of a failed append may have reached the blob, and an append blob cannot be cut back: unless the blob still
    // ends at the committed end, seal it there and go on in a new segment. If even that fails, the next append does it first.
    private async Task CutBackAsync(int records, Exception error)
    {
        _mustSeal = true;
        try
        {
            var properties = await _segment.GetPropertiesAsync();
            if (properties.Value.ContentLength == _length)
            {
                _mustSeal = false;
                _blocks = properties.Value.BlobCommittedBlockCount;
                return;
            }

            AzureLogLog.AppendCutBack(_store.Logger, error, Partition, records, _segment.Name, _length);
            await SealAndStartNextAsync(_store.Time.GetUtcNow());
        }
        catch (Exception cutError) when (cutError is not LogWriterFaultedException)
        {
            AzureLogLog.CutBackDeferred(_store.Logger, cutError, Partition, _segment.Name);
        }
    }

    // Seals the active segment at its committed end and starts the next one at the next sequence number.
    private async Task SealAndStartNextAsync(DateTimeOffset now)
    {
        _store.ThrowIfInjected(Partition, AzureLogOperation.Rotate);
        await EnsureLeaseAsync(force: true);
        _mustSeal = true;
        await _segment.SetMetadataAsync(SealedMetadata(_createdAt, _length, _index.RecordCount, _index.LastSequence));
        var (sealedName, sealedRecords, sealedBytes) = (_segment.Name, _index.RecordCount, _length);
        var next = await CreateSegmentAsync(_next, now);
        (_segment, _segmentFirst, _createdAt, _length, _blocks, _index) = (next, _next, now, SegmentFormat.HeaderSize, 1, new SegmentIndexBuilder(_next));
        _mustSeal = false;
        Publish();
        AzureLogLog.SegmentSealed(_store.Logger, Partition, sealedName, sealedRecords, sealedBytes, _segmentFirst);
    }

    private static Dictionary<string, string> SealedMetadata(DateTimeOffset createdAt, long bytes, long records, long lastSequence) => new()
    {
        [BlobLogLayout.CreatedAtKey] = BlobLogLayout.Number(createdAt.ToUnixTimeMilliseconds()),
        [BlobLogLayout.SealedBytesKey] = BlobLogLayout.Number(bytes),
        [BlobLogLayout.RecordsKey] = BlobLogLayout.Number(records),
        [BlobLogLayout.LastSequenceKey] = BlobLogLayout.Number(lastSequence),
    };

    // Creates segment blob {first} with its header; an empty or header-only blob of that name (an interrupted creation) is replaced.
    private async Task<AppendBlobClient> CreateSegmentAsync(long first, DateTimeOffset createdAt)
    {
        var blob = Container.GetAppendBlobClient(BlobLogLayout.SegmentBlob(Partition, first));
        var metadata = new Dictionary<string, string> { [BlobLogLayout.CreatedAtKey] = BlobLogLayout.Number(createdAt.ToUnixTimeMilliseconds()) };
        try
        {
            await blob.CreateAsync(new AppendBlobCreateOptions { Metadata = metadata, Conditions = new AppendBlobRequestConditions { IfNoneMatch = ETag.All } });
        }
        catch (RequestFailedException error) when (error.Status is 409 or 412)
        {
            var existing = await blob.GetPropertiesAsync();
            if (existing.Value.ContentLength > SegmentFormat.HeaderSize)
            {
                throw Fault($"Partition {Partition}: segment '{blob.Name}' already holds records although this writer was about to start it; another writer may have written the partition.", error);
            }

            await blob.CreateAsync(new AppendBlobCreateOptions { Metadata = metadata, Conditions = new AppendBlobRequestConditions { IfMatch = existing.Value.ETag } });
        }

        var header = new byte[SegmentFormat.HeaderSize];
        SegmentFormat.WriteHeader(header, first, createdAt);
        using var content = new MemoryStream(header, writable: false);
        await blob.AppendBlockAsync(content, new AppendBlobAppendBlockOptions { Conditions = new AppendBlobRequestConditions { IfAppendPositionEqual = 0 } });
        return blob;
    }

    private void Publish() =>
        _state.Active = new AzureActiveSegment(_segmentFirst, _createdAt, _length, _next, _index.RecordCount, _index.Entries);

    private async Task RecoverAsync(CancellationToken cancellationToken)
    {
        var segments = await _store.ListSegmentBlobsAsync(Partition, cancellationToken);
        var now = _store.Time.GetUtcNow();
        if (segments.Count == 0)
        {
            StartAt(await CreateSegmentAsync(0, now), 0, now);
            return;
        }

        if (segments.Count > 1 && segments[^2].SealedBytes is null)
        {
            // A crash between starting the last segment and sealing the one before: seal it now.
            var previous = segments[^2];
            var summary = await _store.SummarizeAsync(previous, segments[^1].FirstSequence, cancellationToken);
            await Container.GetBlobClient(previous.BlobName).SetMetadataAsync(
                SealedMetadata(previous.CreatedAt, summary.ValidEnd, summary.Records, summary.LastSequence), cancellationToken: cancellationToken);
        }

        var last = segments[^1];
        var blob = Container.GetAppendBlobClient(last.BlobName);
        if (last.Length == 0)
        {
            // A crash between creating the segment and writing its header.
            var header = new byte[SegmentFormat.HeaderSize];
            var createdAt = last.CreatedAt == DateTimeOffset.UnixEpoch ? now : last.CreatedAt;
            SegmentFormat.WriteHeader(header, last.FirstSequence, createdAt);
            using var content = new MemoryStream(header, writable: false);
            await blob.AppendBlockAsync(content, new AppendBlobAppendBlockOptions { Conditions = new AppendBlobRequestConditions { IfAppendPositionEqual = 0 } }, cancellationToken);
            StartAt(blob, last.FirstSequence, createdAt);
            return;
        }

        var scan = await _store.SummarizeAsync(last, long.MaxValue, cancellationToken);
        (_segment, _segmentFirst, _createdAt, _length, _index) = (blob, last.FirstSequence, last.CreatedAt, scan.ValidEnd, scan.Index);
        _next = scan.LastSequence + 1;
        _blocks = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken)).Value.BlobCommittedBlockCount;
        if (last.SealedBytes is not null || scan.ValidEnd < last.Length)
        {
            if (last.SealedBytes is null)
            {
                AzureLogLog.TailCut(_store.Logger, Partition, last.BlobName, scan.ValidEnd, last.Length - scan.ValidEnd, scan.StopReason ?? "unreadable bytes", scan.Records, _next);
            }

            // Bytes past the committed end cannot be removed from an append blob; the segment is sealed before them.
            await SealAndStartNextAsync(now);
            return;
        }

        Publish();
    }

    private void StartAt(AppendBlobClient blob, long first, DateTimeOffset createdAt)
    {
        (_segment, _segmentFirst, _createdAt, _length, _blocks, _index) = (blob, first, createdAt, SegmentFormat.HeaderSize, 1, new SegmentIndexBuilder(first));
        _next = first;
        Publish();
    }

    // Renews the lease when a third of it has passed (or always, when forced). Appends stop, without faulting, once the
    // lease can no longer be confirmed; a lease another writer took faults the writer.
    private async Task EnsureLeaseAsync(bool force)
    {
        ThrowIfUnusable();
        var age = _store.LeaseClock.GetElapsedTime(Interlocked.Read(ref _leaseRenewedAt));
        if (!force && age < LeaseDuration / 3)
        {
            return;
        }

        await _renewGate.WaitAsync();
        try
        {
            var started = _store.LeaseClock.GetTimestamp();
            await _lease.RenewAsync();
            Interlocked.Exchange(ref _leaseRenewedAt, started);
        }
        catch (RequestFailedException error) when (error.Status is 409 or 412 or 404)
        {
            AzureLogLog.LeaseLost(_store.Logger, error, Partition, _lockBlob);
            throw Fault($"Partition {Partition}: the writer lost its lease on '{_lockBlob}' ({error.ErrorCode}); another writer may own the partition now.", error);
        }
        catch (Exception error) when (error is not LogWriterFaultedException)
        {
            AzureLogLog.LeaseRenewalFailed(_store.Logger, error, Partition);
            if (force || age > LeaseDuration - TimeSpan.FromSeconds(3))
            {
                throw new IOException($"Partition {Partition}: the writer's lease on '{_lockBlob}' could not be renewed ({error.Message}); appends wait until it can.", error);
            }
        }
        finally
        {
            _renewGate.Release();
        }
    }

    private async Task RenewLoopAsync()
    {
        var period = LeaseDuration / 4;
        while (!_stopRenewing.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(period, _store.LeaseClock, _stopRenewing.Token);
                await EnsureLeaseAsync(force: true);
            }
            catch (OperationCanceledException) when (_stopRenewing.IsCancellationRequested)
            {
                return;
            }
            catch (LogWriterFaultedException)
            {
                return;
            }
            catch (Exception)
            {
                // Logged by EnsureLeaseAsync; the next round tries again.
            }
        }
    }

    private LogWriterFaultedException Fault(string message, Exception inner)
    {
        var fault = new LogWriterFaultedException(message, inner);
        _fault ??= fault;
        return fault;
    }

    private async Task ReleaseLeaseAsync()
    {
        try
        {
            await _lease.ReleaseAsync();
        }
        catch (Exception)
        {
            // Best effort: an unreleased lease expires by itself.
        }
    }
}
