using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RecoGrid.Storage.Hashing;
using RecoGrid.Storage.Log;

namespace RecoGrid.Storage.FileSystem.Log;

/// <summary>
/// The interaction log on the local file system: per partition a folder of segment files named by their first sequence,
/// the last one active, appended to with one write and one fsync per append (see <see cref="SegmentFormat"/>).
/// </summary>
public sealed class FileInteractionLogStore : IInteractionLogStore
{
    private const string LayoutFileName = "layout.txt";
    private const string LayoutPrefix = "partitions=";
    private readonly PartitionState[] _partitions;
    private volatile bool _layoutChecked;

    public FileInteractionLogStore(FileInteractionLogOptions options, TimeProvider? timeProvider = null, ILogger<FileInteractionLogStore>? logger = null)
    {
        Options = StoreOptions.Validated<FileInteractionLogOptions, FileInteractionLogOptionsValidator>(options);
        Time = timeProvider ?? TimeProvider.System;
        Logger = logger ?? (ILogger)NullLogger.Instance;
        RootDirectory = Path.GetFullPath(options.RootDirectory);
        _partitions = new PartitionState[options.Partitions];
        for (var p = 0; p < _partitions.Length; p++)
        {
            _partitions[p] = new PartitionState(new PartitionFolder(RootDirectory, p));
        }
    }

    public int Partitions => _partitions.Length;

    /// <summary>The partition count a log under <paramref name="rootDirectory"/> was created with, or null when there is none.</summary>
    public static int? StoredPartitions(string rootDirectory)
    {
        var path = Path.Combine(rootDirectory, LayoutFileName);
        if (!File.Exists(path))
        {
            return null;
        }

        var text = File.ReadAllText(path).Trim();
        return text.StartsWith(LayoutPrefix, StringComparison.Ordinal)
            && int.TryParse(text.AsSpan(LayoutPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var stored)
                ? stored
                : throw new InvalidDataException($"'{path}' is not an interaction log layout file (expected '{LayoutPrefix}N').");
    }

    /// <summary>The absolute folder holding the partitions.</summary>
    public string RootDirectory { get; }

    internal FileInteractionLogOptions Options { get; }

    internal TimeProvider Time { get; }

    internal ILogger Logger { get; }

    internal SegmentIndexCache Indexes { get; } = new();

    /// <summary>Test hook: returns the exception an operation of a partition should fail with, or null to let it run.</summary>
    internal Func<int, FileLogOperation, Exception?>? FaultInjector { get; set; }

    public async Task<ILogPartitionWriter> OpenWriterAsync(int partition, CancellationToken cancellationToken = default)
    {
        var state = State(partition);
        await EnsureLayoutAsync(create: true, cancellationToken);
        return await FileLogPartitionWriter.OpenAsync(this, state, cancellationToken);
    }

    public async IAsyncEnumerable<LogRecord> ReadAsync(int partition, long fromSequence, long? toExclusive = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var state = State(partition);
        ArgumentOutOfRangeException.ThrowIfNegative(fromSequence);
        await EnsureLayoutAsync(create: false, cancellationToken);

        // The writer's committed end is taken before listing, so a segment started after it is left out.
        var committed = state.Active;
        var end = Math.Min(toExclusive ?? long.MaxValue, committed?.NextSequence ?? long.MaxValue);
        var segments = state.Folder.ListSegments();
        if (committed is not null)
        {
            segments.RemoveAll(first => first > committed.FirstSequence);
        }

        var start = segments.FindLastIndex(first => first <= fromSequence);
        for (var i = Math.Max(start, 0); i < segments.Count && segments[i] < end; i++)
        {
            var limit = i + 1 < segments.Count ? segments[i + 1] : long.MaxValue;
            await foreach (var record in ReadSegmentAsync(state, segments[i], limit, isLast: i == segments.Count - 1, fromSequence, cancellationToken))
            {
                if (record.Sequence >= end)
                {
                    yield break;
                }

                yield return record;
            }
        }
    }

    public async Task<IReadOnlyList<LogSegmentInfo>> ListSegmentsAsync(int partition, CancellationToken cancellationToken = default)
    {
        var state = State(partition);
        await EnsureLayoutAsync(create: false, cancellationToken);
        var committed = state.Active;
        var folder = state.Folder;
        var segments = folder.ListSegments();
        if (committed is not null)
        {
            segments.RemoveAll(first => first > committed.FirstSequence);
        }

        var created = new DateTimeOffset[segments.Count];
        for (var i = 0; i < segments.Count; i++)
        {
            var path = folder.SegmentPath(segments[i]);
            using var handle = folder.OpenForRead(path);
            created[i] = PartitionFolder.ReadHeader(handle, path, segments[i]);
        }

        var infos = new List<LogSegmentInfo>(segments.Count);
        for (var i = 0; i < segments.Count; i++)
        {
            var first = segments[i];
            if (i < segments.Count - 1)
            {
                var index = await Indexes.GetOrBuildAsync(folder, first, segments[i + 1], persist: false, Options.FlushToDisk, cancellationToken);
                infos.Add(new LogSegmentInfo(first, index.LastSequence, index.RecordCount, index.SegmentBytes, created[i], created[i + 1]));
            }
            else if (committed?.FirstSequence == first)
            {
                infos.Add(new LogSegmentInfo(first, committed.NextSequence - 1, committed.RecordCount, committed.CommittedBytes, created[i], null));
            }
            else
            {
                var path = folder.SegmentPath(first);
                using var handle = folder.OpenForRead(path);
                var scanner = new SegmentScanner(handle, path, SegmentFormat.HeaderSize, RandomAccess.GetLength(handle), first, SegmentScanMode.Tail);
                await foreach (var unused in scanner.ReadAsync(cancellationToken))
                {
                }

                infos.Add(new LogSegmentInfo(first, scanner.NextSequence - 1, scanner.Records, scanner.ValidEnd, created[i], null));
            }
        }

        return infos;
    }

    public Task<SegmentRewriteResult> RewriteSegmentAsync(int partition, long segmentFirstSequence, Func<LogRecord, bool> keep, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keep);
        return SegmentRewriter.RewriteAsync(this, State(partition), segmentFirstSequence, record => keep(record) ? new LogAppend(record.Type, record.Payload) : null, cancellationToken);
    }

    public Task<SegmentRewriteResult> TransformSegmentAsync(int partition, long segmentFirstSequence, Func<LogRecord, LogAppend?> transform, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(transform);
        return SegmentRewriter.RewriteAsync(this, State(partition), segmentFirstSequence, transform, cancellationToken);
    }

    public async Task<ReadOnlyMemory<byte>?> ReadMetadataAsync(int partition, string name, CancellationToken cancellationToken = default)
    {
        var path = MetadataPath(State(partition), name);
        await EnsureLayoutAsync(create: false, cancellationToken);
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(path, cancellationToken);
        }
        catch (Exception error) when (error is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }

        if (bytes.Length < 4 || BinaryPrimitives.ReadUInt32LittleEndian(bytes) != Crc32C.Compute(bytes.AsSpan(4)))
        {
            throw new LogCorruptionException($"Log metadata '{path}' is corrupt: its checksum does not match.", path, 0);
        }

        return bytes.AsMemory(4);
    }

    public async Task WriteMetadataAsync(int partition, string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        var path = MetadataPath(State(partition), name);
        await EnsureLayoutAsync(create: true, cancellationToken);
        var bytes = new byte[4 + content.Length];
        content.Span.CopyTo(bytes.AsSpan(4));
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, Crc32C.Compute(content.Span));
        await DurableFile.WriteAtomicAsync(path, bytes, Options.FlushToDisk, cancellationToken);
    }

    internal Exception? InjectedFault(int partition, FileLogOperation operation) => FaultInjector?.Invoke(partition, operation);

    internal void ThrowIfInjected(int partition, FileLogOperation operation)
    {
        if (InjectedFault(partition, operation) is { } fault)
        {
            throw fault;
        }
    }

    /// <summary>Removes temporary files of interrupted segment creations and compactions, unless a compaction is running now.</summary>
    internal async Task RemoveTempFilesAsync(PartitionState state, CancellationToken cancellationToken)
    {
        var folder = state.Folder;
        await state.RewriteGate.WaitAsync(cancellationToken);
        try
        {
            using var rewriteLock = PartitionFolder.TryLock(folder.RewriteLockPath);
            if (rewriteLock is null)
            {
                return;
            }

            var removed = false;
            foreach (var temp in folder.ListTempFiles())
            {
                File.Delete(temp);
                removed = true;
                FileLogLog.TempFileRemoved(Logger, folder.Partition, temp);
            }

            if (removed && Options.FlushToDisk)
            {
                DurableFile.SyncDirectory(folder.Path);
            }
        }
        finally
        {
            state.RewriteGate.Release();
        }
    }

    private async IAsyncEnumerable<LogRecord> ReadSegmentAsync(
        PartitionState state, long first, long sequenceLimit, bool isLast, long fromSequence, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var folder = state.Folder;
        var path = folder.SegmentPath(first);
        using var handle = folder.OpenForRead(path);
        PartitionFolder.ReadHeader(handle, path, first);

        // Looked at again now the file is open: a segment that was active when the read began may have been sealed since.
        var active = state.Active;
        if (isLast && active?.FirstSequence == first)
        {
            var from = SegmentIndex.Seek(active.Index, fromSequence, first);
            var committed = new SegmentScanner(handle, path, from.Offset, active.CommittedBytes, from.Sequence, SegmentScanMode.Committed);
            await foreach (var record in committed.ReadAsync(cancellationToken))
            {
                if (record.Frame.Sequence >= fromSequence)
                {
                    yield return record.ToLogRecord();
                }
            }

            yield break;
        }

        var length = RandomAccess.GetLength(handle);
        if (isLast && active is null)
        {
            // No writer in this process: the segment may be another process's active one, or hold a crash's torn tail.
            var tail = new SegmentScanner(handle, path, SegmentFormat.HeaderSize, length, first, SegmentScanMode.Tail);
            await foreach (var record in tail.ReadAsync(cancellationToken))
            {
                if (record.Frame.Sequence >= fromSequence)
                {
                    yield return record.ToLogRecord();
                }
            }

            yield break;
        }

        var index = await Indexes.TryLoadAsync(folder, first, length, cancellationToken);
        var start = index is null ? new IndexEntry(first, SegmentFormat.HeaderSize) : SegmentIndex.Seek(index.Entries, fromSequence, first);
        var builder = index is null ? new SegmentIndexBuilder(first) : null;
        var scanner = new SegmentScanner(handle, path, start.Offset, length, start.Sequence, SegmentScanMode.Sealed, sequenceLimit);
        await foreach (var record in scanner.ReadAsync(cancellationToken))
        {
            builder?.Add(record.Frame.Sequence, record.Offset);
            if (record.Frame.Sequence >= fromSequence)
            {
                yield return record.ToLogRecord();
            }
        }

        // Only reached when the whole segment was scanned, so the index is complete.
        if (builder is not null)
        {
            Indexes.Set(path, builder.Build(length));
        }
    }

    private PartitionState State(int partition)
    {
        if (partition < 0 || partition >= _partitions.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(partition), partition, $"The interaction log has partitions 0 to {_partitions.Length - 1}.");
        }

        return _partitions[partition];
    }

    private static string MetadataPath(PartitionState state, string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Length > 100 || name[0] == '.' || name.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_' and not '.'))
        {
            throw new ArgumentException($"'{name}' is not a valid metadata name: use up to 100 ASCII letters, digits, '-', '_' or '.', not starting with '.'.", nameof(name));
        }

        return Path.Combine(state.Folder.MetadataFolder, name + ".meta");
    }

    // The partition count decides where records go, so a log created with one count is never opened with another.
    private async Task EnsureLayoutAsync(bool create, CancellationToken cancellationToken)
    {
        if (_layoutChecked)
        {
            return;
        }

        var path = Path.Combine(RootDirectory, LayoutFileName);
        if (File.Exists(path))
        {
            var text = (await File.ReadAllTextAsync(path, cancellationToken)).Trim();
            if (!text.StartsWith(LayoutPrefix, StringComparison.Ordinal)
                || !int.TryParse(text.AsSpan(LayoutPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var stored))
            {
                throw new InvalidDataException($"'{path}' is not an interaction log layout file (expected '{LayoutPrefix}N').");
            }

            if (stored != Partitions)
            {
                throw new InvalidOperationException(
                    $"{FileInteractionLogOptions.SectionName}:Partitions is {Partitions}, but the interaction log at '{RootDirectory}' was created with {stored} partitions; records are routed by the partition count, so it cannot change.");
            }

            _layoutChecked = true;
            return;
        }

        if (create)
        {
            Directory.CreateDirectory(RootDirectory);
            await DurableFile.WriteAtomicAsync(path, Encoding.ASCII.GetBytes($"{LayoutPrefix}{Partitions}\n"), Options.FlushToDisk, cancellationToken);
            _layoutChecked = true;
        }
    }
}
