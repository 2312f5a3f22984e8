using RecoGrid.Storage.Telemetry;

namespace RecoGrid.Storage.Log;

/// <summary>
/// Shares one <see cref="ILogPartitionWriter"/> between any number of concurrent callers: one flush in flight, and the next
/// one takes everything queued meanwhile (up to the caps), so many callers share one write and one fsync. Callers' records
/// are contiguous and in the order their appends were enqueued. Takes ownership of the writer.
/// </summary>
public sealed class LogGroupCommitter : IAsyncDisposable
{
    private readonly ILogPartitionWriter _writer;
    private readonly int _maxRecords;
    private readonly long _maxBytes;
    private readonly TimeSpan _maxDelay;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Queue<PendingAppend> _queue = new();
    private long _queuedRecords;
    private long _queuedBytes;
    private bool _flushLoopRunning;
    private Task _flushLoop = Task.CompletedTask;
    private TaskCompletionSource? _batchFull;
    private bool _disposed;
    private LogGroupCommitCounters _counters;

    public LogGroupCommitter(ILogPartitionWriter writer, LogGroupCommitOptions? options = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        options ??= new LogGroupCommitOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatchRecords, 1, nameof(options.MaxBatchRecords));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxBatchBytes, 1, nameof(options.MaxBatchBytes));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxDelay, TimeSpan.Zero, nameof(options.MaxDelay));
        _writer = writer;
        _maxRecords = options.MaxBatchRecords;
        _maxBytes = options.MaxBatchBytes;
        _maxDelay = options.MaxDelay;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>The partition of the shared writer.</summary>
    public int Partition => _writer.Partition;

    /// <summary>A consistent snapshot of the counters.</summary>
    public LogGroupCommitCounters Counters
    {
        get
        {
            lock (_lock)
            {
                return _counters;
            }
        }
    }

    /// <summary>
    /// Queues <paramref name="records"/> for the next flush and completes with the sequence number of the first of them once
    /// they are durable. If their flush fails, every caller in it gets the exception and none of its records is kept.
    /// The list and its payloads must not change until the task completes. Cancelling only helps while still queued.
    /// </summary>
    public Task<long> AppendAsync(IReadOnlyList<LogAppend> records, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        if (records.Count == 0)
        {
            throw new ArgumentException("An append needs at least one record.", nameof(records));
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<long>(cancellationToken);
        }

        long bytes = 0;
        for (var i = 0; i < records.Count; i++)
        {
            bytes += records[i].Payload.Length;
        }

        var pending = new PendingAppend(records, bytes, _time.GetTimestamp());
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _queue.Enqueue(pending);
            _queuedRecords += records.Count;
            _queuedBytes += bytes;
            if (IsQueueFull())
            {
                _batchFull?.TrySetResult();
            }

            if (!_flushLoopRunning)
            {
                _flushLoopRunning = true;
                _flushLoop = Task.Run(FlushLoopAsync, CancellationToken.None);
            }
        }

        if (cancellationToken.CanBeCanceled)
        {
            pending.CancelWhile(cancellationToken);
        }

        return pending.Task;
    }

    /// <summary>Refuses new appends, waits until everything queued has been flushed, then disposes the writer.</summary>
    public async ValueTask DisposeAsync()
    {
        Task loop;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            loop = _flushLoop;
        }

        await loop;
        await _writer.DisposeAsync();
    }

    private bool IsQueueFull() => _queuedRecords >= _maxRecords || _queuedBytes >= _maxBytes;

    private async Task FlushLoopAsync()
    {
        while (true)
        {
            await LingerAsync();
            List<PendingAppend> batch;
            lock (_lock)
            {
                batch = TakeBatch();
                if (batch.Count == 0 && _queue.Count == 0)
                {
                    _flushLoopRunning = false;
                    return;
                }
            }

            if (batch.Count > 0)
            {
                await FlushAsync(batch);
            }
        }
    }

    // Waits until the oldest queued append has waited MaxDelay, unless the queue fills up first.
    private async Task LingerAsync()
    {
        if (_maxDelay <= TimeSpan.Zero)
        {
            return;
        }

        TaskCompletionSource full;
        TimeSpan wait;
        lock (_lock)
        {
            if (!_queue.TryPeek(out var oldest) || IsQueueFull())
            {
                return;
            }

            wait = _maxDelay - _time.GetElapsedTime(oldest.EnqueuedAt);
            if (wait <= TimeSpan.Zero)
            {
                return;
            }

            _batchFull = full = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        using var stopWaiting = new CancellationTokenSource();
        await Task.WhenAny(Task.Delay(wait, _time, stopWaiting.Token), full.Task);
        await stopWaiting.CancelAsync();
        lock (_lock)
        {
            _batchFull = null;
        }
    }

    // Takes whole appends in queue order while they fit the caps; the first one is always taken so an oversized append still goes.
    private List<PendingAppend> TakeBatch()
    {
        var batch = new List<PendingAppend>();
        long records = 0;
        long bytes = 0;
        while (_queue.TryPeek(out var next))
        {
            if (!next.IsCancelled && batch.Count > 0 && (records + next.Records.Count > _maxRecords || bytes + next.Bytes > _maxBytes))
            {
                break;
            }

            _queue.Dequeue();
            _queuedRecords -= next.Records.Count;
            _queuedBytes -= next.Bytes;
            if (next.TryTake())
            {
                batch.Add(next);
                records += next.Records.Count;
                bytes += next.Bytes;
            }
        }

        return batch;
    }

    private async Task FlushAsync(List<PendingAppend> batch)
    {
        var count = 0;
        long bytes = 0;
        foreach (var pending in batch)
        {
            count += pending.Records.Count;
            bytes += pending.Bytes;
        }

        var combined = new LogAppend[count];
        var at = 0;
        foreach (var pending in batch)
        {
            for (var i = 0; i < pending.Records.Count; i++)
            {
                combined[at++] = pending.Records[i];
            }
        }

        var started = _time.GetTimestamp();
        long first;
        try
        {
            first = await _writer.AppendAsync(combined, CancellationToken.None);
        }
        catch (Exception error)
        {
            lock (_lock)
            {
                _counters = _counters with { FailedFlushes = _counters.FailedFlushes + 1 };
            }

            StorageMetrics.RecordFailedFlush(_writer.Partition);

            foreach (var pending in batch)
            {
                pending.Fail(error);
            }

            return;
        }

        var elapsed = _time.GetElapsedTime(started);
        StorageMetrics.RecordFlush(_writer.Partition, count, bytes, elapsed);
        lock (_lock)
        {
            var c = _counters;
            _counters = c with
            {
                Appends = c.Appends + batch.Count,
                Flushes = c.Flushes + 1,
                Records = c.Records + count,
                PayloadBytes = c.PayloadBytes + bytes,
                TotalFlushTime = c.TotalFlushTime + elapsed,
                MaxFlushTime = elapsed > c.MaxFlushTime ? elapsed : c.MaxFlushTime,
                LargestFlushRecords = Math.Max(c.LargestFlushRecords, count),
            };
        }

        var sequence = first;
        foreach (var pending in batch)
        {
            pending.Complete(sequence);
            sequence += pending.Records.Count;
        }
    }

    // One caller's append; Queued -> Taken (by a flush) or Queued -> Cancelled (by its token), never both.
    private sealed class PendingAppend(IReadOnlyList<LogAppend> records, long bytes, long enqueuedAt)
    {
        private const int Queued = 0;
        private const int Taken = 1;
        private const int Cancelled = 2;

        // Continuations run elsewhere so one caller's code never delays the flush loop or the other callers.
        private readonly TaskCompletionSource<long> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _state;
        private CancellationTokenRegistration _registration;

        public IReadOnlyList<LogAppend> Records { get; } = records;

        public long Bytes { get; } = bytes;

        public long EnqueuedAt { get; } = enqueuedAt;

        public Task<long> Task => _completion.Task;

        public bool IsCancelled => Volatile.Read(ref _state) == Cancelled;

        public void CancelWhile(CancellationToken token)
        {
            var registration = token.Register(() =>
            {
                if (Interlocked.CompareExchange(ref _state, Cancelled, Queued) == Queued)
                {
                    _completion.TrySetCanceled(token);
                }
            });

            // The flush may already have completed this append, before the registration existed to be released.
            lock (_completion)
            {
                _registration = registration;
                if (_completion.Task.IsCompleted)
                {
                    _registration.Dispose();
                }
            }
        }

        public bool TryTake() => Interlocked.CompareExchange(ref _state, Taken, Queued) == Queued;

        public void Complete(long firstSequence)
        {
            _completion.TrySetResult(firstSequence);
            ReleaseRegistration();
        }

        public void Fail(Exception error)
        {
            _completion.TrySetException(error);
            ReleaseRegistration();
        }

        private void ReleaseRegistration()
        {
            lock (_completion)
            {
                _registration.Dispose();
            }
        }
    }
}
