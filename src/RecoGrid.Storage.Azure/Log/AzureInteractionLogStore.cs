using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RecoGrid.Storage.FileSystem.Log;
using RecoGrid.Storage.Hashing;
using RecoGrid.Storage.Log;

namespace RecoGrid.Storage.Azure.Log;

/// <summary>
/// The interaction log on Azure blobs: per partition a series of append blobs named by their first sequence, in the file
/// backend's segment format, each append one atomic append-block (or a few, for appends over 4 MiB) conditioned on the
/// blob's committed length. A partition's only writer holds a lease on its lock blob. Readers take only complete
/// appends; a segment whose last append failed part-way is sealed at its committed end (blob metadata), so those bytes
/// are never read. Compaction replaces a sealed segment by one conditional upload.
/// </summary>
public sealed class AzureInteractionLogStore : IInteractionLogStore
{
    /// <summary>Bytes asked for per ranged read: about two index intervals, so a point read (a user's catch-up) downloads little.</summary>
    internal const int ReadChunkBytes = 128 * 1024;

    private const string LayoutPrefix = "partitions=";
    private readonly AzurePartitionState[] _partitions;

    // Sparse offset indexes of sealed segments, by blob name, valid while the blob's ETag is unchanged (compaction changes it).
    private readonly ConcurrentDictionary<string, (ETag ETag, ImmutableArray<IndexEntry> Entries)> _sealedIndexes = new(StringComparer.Ordinal);
    private volatile bool _layoutChecked;
    private volatile bool _containerExists;

    public AzureInteractionLogStore(AzureInteractionLogOptions options, TimeProvider? timeProvider = null, ILogger<AzureInteractionLogStore>? logger = null)
        : this(options, AzureStorageConnection.Parse(options?.ConnectionString, options?.ServiceUri).CreateBlobServiceClient(), timeProvider, logger)
    {
    }

    public AzureInteractionLogStore(AzureInteractionLogOptions options, BlobServiceClient service, TimeProvider? timeProvider = null, ILogger<AzureInteractionLogStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(service);
        Options = StoreOptions.Validated<AzureInteractionLogOptions, AzureInteractionLogOptionsValidator>(options);
        Time = timeProvider ?? TimeProvider.System;
        Logger = logger ?? (ILogger)NullLogger.Instance;
        Container = service.GetBlobContainerClient(options.ContainerName);
        _partitions = new AzurePartitionState[options.Partitions];
        for (var p = 0; p < _partitions.Length; p++)
        {
            _partitions[p] = new AzurePartitionState(p);
        }
    }

    public int Partitions => _partitions.Length;

    /// <summary>The container holding the log.</summary>
    public BlobContainerClient Container { get; }

    internal AzureInteractionLogOptions Options { get; }

    /// <summary>The clock of records and segments (a fake one in tests).</summary>
    internal TimeProvider Time { get; }

    /// <summary>The clock of leases, always real: a lease expires in real time whatever the record clock says.</summary>
    internal TimeProvider LeaseClock { get; } = TimeProvider.System;

    internal ILogger Logger { get; }

    /// <summary>Test hook: returns the exception an operation of a partition should fail with, or null to let it run.</summary>
    internal Func<int, AzureLogOperation, Exception?>? FaultInjector { get; set; }

    /// <summary>Where a message can say the log is.</summary>
    internal string Location => Container.Uri.ToString();

    public async Task<ILogPartitionWriter> OpenWriterAsync(int partition, CancellationToken cancellationToken = default)
    {
        var state = State(partition);
        await EnsureLayoutAsync(create: true, cancellationToken);
        return await AzureLogPartitionWriter.OpenAsync(this, state, cancellationToken);
    }

    public async IAsyncEnumerable<LogRecord> ReadAsync(int partition, long fromSequence, long? toExclusive = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var state = State(partition);
        ArgumentOutOfRangeException.ThrowIfNegative(fromSequence);
        if (!await EnsureLayoutAsync(create: false, cancellationToken))
        {
            yield break;
        }

        // The writer's committed end is taken before listing, so a segment started after it is left out.
        var committed = state.Active;
        var end = Math.Min(toExclusive ?? long.MaxValue, committed?.NextSequence ?? long.MaxValue);
        var from = fromSequence;
        var restarts = 0;
        while (from < end)
        {
            var segments = await ListSegmentBlobsAsync(partition, cancellationToken);
            if (committed is not null)
            {
                segments.RemoveAll(s => s.FirstSequence > committed.FirstSequence);
            }

            var start = segments.FindLastIndex(s => s.FirstSequence <= from);
            var changed = false;
            for (var i = Math.Max(start, 0); i < segments.Count && segments[i].FirstSequence < end && !changed; i++)
            {
                var limit = i + 1 < segments.Count ? segments[i + 1].FirstSequence : long.MaxValue;
                await using var records = ReadSegmentAsync(state, segments[i], limit, isLast: i == segments.Count - 1, from, cancellationToken).GetAsyncEnumerator(cancellationToken);
                while (true)
                {
                    bool more;
                    try
                    {
                        more = await records.MoveNextAsync();
                    }
                    catch (SegmentChangedException) when (restarts < 10)
                    {
                        // Compacted while read: the records kept keep their sequence numbers, so go on from the last one handed out.
                        restarts++;
                        changed = true;
                        break;
                    }

                    if (!more)
                    {
                        break;
                    }

                    var record = records.Current;
                    if (record.Sequence >= end)
                    {
                        yield break;
                    }

                    from = record.Sequence + 1;
                    yield return record;
                }
            }

            if (!changed)
            {
                yield break;
            }
        }
    }

    public async Task<IReadOnlyList<LogSegmentInfo>> ListSegmentsAsync(int partition, CancellationToken cancellationToken = default)
    {
        var state = State(partition);
        if (!await EnsureLayoutAsync(create: false, cancellationToken))
        {
            return [];
        }

        var committed = state.Active;
        var segments = await ListSegmentBlobsAsync(partition, cancellationToken);
        if (committed is not null)
        {
            segments.RemoveAll(s => s.FirstSequence > committed.FirstSequence);
        }

        var infos = new List<LogSegmentInfo>(segments.Count);
        for (var i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            var sealedAt = i + 1 < segments.Count ? segments[i + 1].CreatedAt : (DateTimeOffset?)null;
            if (committed?.FirstSequence == segment.FirstSequence)
            {
                infos.Add(new LogSegmentInfo(segment.FirstSequence, committed.NextSequence - 1, committed.RecordCount, committed.CommittedBytes, segment.CreatedAt, null));
            }
            else if (segment is { SealedBytes: { } bytes, Records: { } records, LastSequence: { } last })
            {
                infos.Add(new LogSegmentInfo(segment.FirstSequence, last, records, bytes, segment.CreatedAt, sealedAt));
            }
            else
            {
                var summary = await SummarizeAsync(segment, i + 1 < segments.Count ? segments[i + 1].FirstSequence : long.MaxValue, cancellationToken);
                infos.Add(new LogSegmentInfo(segment.FirstSequence, summary.LastSequence, summary.Records, summary.ValidEnd, segment.CreatedAt, sealedAt));
            }
        }

        return infos;
    }

    public Task<SegmentRewriteResult> RewriteSegmentAsync(int partition, long segmentFirstSequence, Func<LogRecord, bool> keep, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keep);
        return RewriteAsync(State(partition), segmentFirstSequence, record => keep(record) ? new LogAppend(record.Type, record.Payload) : null, cancellationToken);
    }

    public Task<SegmentRewriteResult> TransformSegmentAsync(int partition, long segmentFirstSequence, Func<LogRecord, LogAppend?> transform, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transform);
        return RewriteAsync(State(partition), segmentFirstSequence, transform, cancellationToken);
    }

    public async Task<ReadOnlyMemory<byte>?> ReadMetadataAsync(int partition, string name, CancellationToken cancellationToken = default)
    {
        var blob = Container.GetBlobClient(BlobLogLayout.MetadataBlob(State(partition).Partition, name));
        BinaryData content;
        try
        {
            content = (await blob.DownloadContentAsync(cancellationToken)).Value.Content;
        }
        catch (RequestFailedException error) when (error.Status == 404)
        {
            return null;
        }

        var bytes = content.ToArray();
        if (bytes.Length < 4 || BinaryPrimitives.ReadUInt32LittleEndian(bytes) != Crc32C.Compute(bytes.AsSpan(4)))
        {
            throw new LogCorruptionException($"Log metadata '{blob.Uri}' is corrupt: its checksum does not match.", blob.Uri.ToString(), 0);
        }

        return bytes.AsMemory(4);
    }

    public async Task WriteMetadataAsync(int partition, string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var blob = Container.GetBlobClient(BlobLogLayout.MetadataBlob(State(partition).Partition, name));
        await EnsureLayoutAsync(create: true, cancellationToken);
        var bytes = new byte[4 + content.Length];
        content.Span.CopyTo(bytes.AsSpan(4));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, Crc32C.Compute(content.Span));

        // One Put Blob replaces the whole blob: readers see the old content or the new one.
        await blob.UploadAsync(BinaryData.FromBytes(bytes), overwrite: true, cancellationToken);
    }

    /// <summary>The partition's segment blobs, oldest first, with what their metadata says.</summary>
    internal async Task<List<BlobSegment>> ListSegmentBlobsAsync(int partition, CancellationToken cancellationToken)
    {
        var segments = new List<BlobSegment>();
        try
        {
            await foreach (var item in Container.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, BlobLogLayout.SegmentPrefix(partition), cancellationToken))
            {
                if (BlobLogLayout.TryParseSegment(item.Name, partition, out var first))
                {
                    var metadata = item.Metadata;
                    segments.Add(new BlobSegment(
                        first,
                        item.Name,
                        item.Properties.ContentLength ?? 0,
                        item.Properties.ETag ?? default,
                        DateTimeOffset.FromUnixTimeMilliseconds(BlobLogLayout.ReadNumber(metadata, BlobLogLayout.CreatedAtKey) ?? 0),
                        BlobLogLayout.ReadNumber(metadata, BlobLogLayout.SealedBytesKey),
                        BlobLogLayout.ReadNumber(metadata, BlobLogLayout.RecordsKey),
                        BlobLogLayout.ReadNumber(metadata, BlobLogLayout.LastSequenceKey)));
                }
            }
        }
        catch (RequestFailedException error) when (error.Status == 404)
        {
            return segments;
        }

        segments.Sort((a, b) => a.FirstSequence.CompareTo(b.FirstSequence));
        return segments;
    }

    /// <summary>Scans a segment that carries no summary: its complete appends, below <paramref name="sequenceLimit"/>.</summary>
    internal async Task<SegmentSummary> SummarizeAsync(BlobSegment segment, long sequenceLimit, CancellationToken cancellationToken)
    {
        var builder = new SegmentIndexBuilder(segment.FirstSequence);
        var reader = new BlobRangeReader(Container.GetBlobClient(segment.BlobName), segment.ETag);
        var end = segment.ValidBytes;
        if (end < SegmentFormat.HeaderSize)
        {
            return new SegmentSummary(SegmentFormat.HeaderSize, segment.FirstSequence - 1, 0, "the segment has no header yet", builder);
        }

        await reader.CheckHeaderAsync(segment.FirstSequence, cancellationToken);
        var scanner = reader.Scanner(SegmentFormat.HeaderSize, end, segment.FirstSequence, SegmentScanMode.Tail);
        await foreach (var record in scanner.ReadAsync(cancellationToken))
        {
            if (record.Frame.Sequence >= sequenceLimit)
            {
                break;
            }

            builder.Add(record.Frame.Sequence, record.Offset);
        }

        var validEnd = builder.RecordCount == 0 ? SegmentFormat.HeaderSize : Math.Min(scanner.ValidEnd, end);
        return new SegmentSummary(validEnd, builder.LastSequence, builder.RecordCount, scanner.StopReason, builder);
    }

    internal void ThrowIfInjected(int partition, AzureLogOperation operation)
    {
        if (FaultInjector?.Invoke(partition, operation) is { } fault)
        {
            throw fault;
        }
    }

    internal Exception? InjectedFault(int partition, AzureLogOperation operation) => FaultInjector?.Invoke(partition, operation);

    internal async Task EnsureContainerAsync(CancellationToken cancellationToken)
    {
        if (_containerExists)
        {
            return;
        }

        await Container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        _containerExists = true;
    }

    private async IAsyncEnumerable<LogRecord> ReadSegmentAsync(
        AzurePartitionState state, BlobSegment segment, long sequenceLimit, bool isLast, long fromSequence, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var blob = Container.GetBlobClient(segment.BlobName);

        // Looked at again now: a segment that was active when the read began may have been sealed since.
        var active = state.Active;
        if (isLast && active?.FirstSequence == segment.FirstSequence)
        {
            var from = SegmentIndex.Seek(active.Index, fromSequence, segment.FirstSequence);
            var committed = new BlobRangeReader(blob, null).Scanner(from.Offset, active.CommittedBytes, from.Sequence, SegmentScanMode.Committed);
            await foreach (var record in committed.ReadAsync(cancellationToken))
            {
                if (record.Frame.Sequence >= fromSequence)
                {
                    yield return record.ToLogRecord();
                }
            }

            yield break;
        }

        var end = segment.ValidBytes;
        if (end <= SegmentFormat.HeaderSize)
        {
            yield break;
        }

        // A sealed segment is read as it was listed (its ETag); an unsealed one may be another process's active segment,
        // or end in a crash's torn append, so only complete appends are taken from it.
        var sealedSegment = segment.SealedBytes is not null;
        var reader = new BlobRangeReader(blob, sealedSegment ? segment.ETag : null);
        var mode = sealedSegment ? SegmentScanMode.Sealed : SegmentScanMode.Tail;
        var start = new IndexEntry(segment.FirstSequence, SegmentFormat.HeaderSize);
        SegmentIndexBuilder? builder = null;
        if (sealedSegment && _sealedIndexes.TryGetValue(segment.BlobName, out var cached) && cached.ETag == segment.ETag)
        {
            start = SegmentIndex.Seek(cached.Entries, fromSequence, segment.FirstSequence);
        }
        else
        {
            await reader.CheckHeaderAsync(segment.FirstSequence, cancellationToken);
            builder = sealedSegment ? new SegmentIndexBuilder(segment.FirstSequence) : null;
        }

        // Seeking lands on a record boundary inside a sealed segment, whose sequences may have gaps after compaction.
        var scanner = reader.Scanner(start.Offset, end, start.Sequence, start.Offset == SegmentFormat.HeaderSize ? mode : SegmentScanMode.Sealed, sequenceLimit);
        await foreach (var record in scanner.ReadAsync(cancellationToken))
        {
            if (record.Frame.Sequence >= sequenceLimit)
            {
                yield break;
            }

            builder?.Add(record.Frame.Sequence, record.Offset);
            if (record.Frame.Sequence >= fromSequence)
            {
                yield return record.ToLogRecord();
            }
        }

        // Only reached when the whole segment was scanned, so the index is complete.
        if (builder is not null)
        {
            _sealedIndexes[segment.BlobName] = (segment.ETag, builder.Entries);
        }
    }

    private async Task<SegmentRewriteResult> RewriteAsync(AzurePartitionState state, long first, Func<LogRecord, LogAppend?> transform, CancellationToken cancellationToken)
    {
        await state.RewriteGate.WaitAsync(cancellationToken);
        try
        {
            var segments = await ListSegmentBlobsAsync(state.Partition, cancellationToken);
            var at = segments.FindIndex(s => s.FirstSequence == first);
            if (at < 0)
            {
                throw new LogSegmentNotFoundException($"Partition {state.Partition} of the interaction log at '{Location}' has no segment {first}.");
            }

            if (at == segments.Count - 1 || state.Active?.FirstSequence == first)
            {
                throw new InvalidOperationException($"Segment {first} of partition {state.Partition} is the active segment; only sealed segments can be rewritten.");
            }

            var segment = segments[at];
            var limit = segments[at + 1].FirstSequence;
            var blob = Container.GetBlobClient(segment.BlobName);
            var reader = new BlobRangeReader(blob, segment.ETag);
            var kept = new List<(long Sequence, long AppendedAtMs, LogAppend Record)>();
            long before = 0;
            if (segment.ValidBytes > SegmentFormat.HeaderSize)
            {
                await reader.CheckHeaderAsync(first, cancellationToken);
                var mode = segment.SealedBytes is null ? SegmentScanMode.Tail : SegmentScanMode.Sealed;
                await foreach (var record in reader.Scanner(SegmentFormat.HeaderSize, segment.ValidBytes, first, mode, limit).ReadAsync(cancellationToken))
                {
                    if (record.Frame.Sequence >= limit)
                    {
                        break;
                    }

                    before++;
                    if (transform(record.ToLogRecord()) is { } replacement)
                    {
                        kept.Add((record.Frame.Sequence, record.Frame.AppendedAtUnixMs, replacement));
                    }
                }
            }

            var size = SegmentFormat.HeaderSize + kept.Sum(k => (long)SegmentFormat.RecordSize(k.Record.Payload.Length));
            var bytes = new byte[size];
            SegmentFormat.WriteHeader(bytes, first, segment.CreatedAt);
            var offset = SegmentFormat.HeaderSize;
            foreach (var (sequence, appendedAt, record) in kept)
            {
                offset += SegmentFormat.WriteRecord(bytes.AsSpan(offset), sequence, appendedAt, SegmentFormat.EndOfAppend, record.Type, record.Payload.Span);
            }

            var metadata = new Dictionary<string, string>
            {
                [BlobLogLayout.CreatedAtKey] = BlobLogLayout.Number(segment.CreatedAt.ToUnixTimeMilliseconds()),
                [BlobLogLayout.SealedBytesKey] = BlobLogLayout.Number(size),
                [BlobLogLayout.RecordsKey] = BlobLogLayout.Number(kept.Count),
                [BlobLogLayout.LastSequenceKey] = BlobLogLayout.Number(kept.Count == 0 ? first - 1 : kept[^1].Sequence),
            };
            try
            {
                // One Put Blob replaces the segment whole, and only the version that was read.
                await blob.UploadAsync(BinaryData.FromBytes(bytes), new BlobUploadOptions
                {
                    Metadata = metadata,
                    Conditions = new BlobRequestConditions { IfMatch = segment.ETag },
                }, cancellationToken);
            }
            catch (RequestFailedException error) when (error.Status == 412)
            {
                throw new IOException($"Segment {first} of partition {state.Partition} changed while it was being rewritten; nothing was replaced.", error);
            }

            return new SegmentRewriteResult(first, before, kept.Count, segment.ValidBytes, size);
        }
        finally
        {
            state.RewriteGate.Release();
        }
    }

    private AzurePartitionState State(int partition)
    {
        if (partition < 0 || partition >= _partitions.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(partition), partition, $"The interaction log has partitions 0 to {_partitions.Length - 1}.");
        }

        return _partitions[partition];
    }

    // The partition count decides where records go, so a log created with one count is never opened with another.
    // Returns false when the log does not exist yet (and create is false).
    private async Task<bool> EnsureLayoutAsync(bool create, CancellationToken cancellationToken)
    {
        if (_layoutChecked)
        {
            return true;
        }

        var blob = Container.GetBlobClient(BlobLogLayout.LayoutBlob);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var text = (await blob.DownloadContentAsync(cancellationToken)).Value.Content.ToString().Trim();
                if (!text.StartsWith(LayoutPrefix, StringComparison.Ordinal)
                    || !int.TryParse(text.AsSpan(LayoutPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var stored))
                {
                    throw new InvalidDataException($"'{blob.Uri}' is not an interaction log layout blob (expected '{LayoutPrefix}N').");
                }

                if (stored != Partitions)
                {
                    throw new InvalidOperationException(
                        $"{AzureInteractionLogOptions.SectionName}:Partitions is {Partitions}, but the interaction log at '{Location}' was created with {stored} partitions; records are routed by the partition count, so it cannot change.");
                }

                _containerExists = true;
                _layoutChecked = true;
                return true;
            }
            catch (RequestFailedException error) when (error.Status == 404)
            {
                if (!create)
                {
                    return false;
                }
            }

            await EnsureContainerAsync(cancellationToken);
            try
            {
                await blob.UploadAsync(BinaryData.FromBytes(Encoding.ASCII.GetBytes($"{LayoutPrefix}{Partitions}\n")), new BlobUploadOptions
                {
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                }, cancellationToken);
                _layoutChecked = true;
                return true;
            }
            catch (RequestFailedException error) when (error.Status is 409 or 412 && attempt < 3)
            {
                // Another process created it first: read and check theirs.
            }
        }
    }
}

/// <summary>What a scan of a segment without a stored summary found.</summary>
internal sealed record SegmentSummary(long ValidEnd, long LastSequence, long Records, string? StopReason, SegmentIndexBuilder Index);

/// <summary>Thrown by a ranged read when the blob is no longer the version the read started on (it was compacted).</summary>
internal sealed class SegmentChangedException(string message, Exception inner) : IOException(message, inner);
