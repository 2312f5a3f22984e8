using RecoGrid.Scoring.Telemetry;

namespace RecoGrid.Scoring.Batching;

/// <summary>
/// Micro-batcher for one model version, shaped like Orleans' BatchWorker: one batch in flight; each cycle drains the
/// queue up to <see cref="ScoringOptions.MaxBatchSize"/>; what accumulates meanwhile goes next. A partial batch waits at
/// most <see cref="ScoringOptions.MaxBatchDelay"/> for company. A full queue refuses at once with
/// <see cref="ScoringOverloadedException"/> instead of adding latency.
/// </summary>
public sealed class ScoringBatcher : IAsyncDisposable
{
    private static readonly TimeSpan MinRetryAfter = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromSeconds(5);

    private readonly IBatchRunner _runner;
    private readonly string _modelVersion;
    private readonly int _maxBatchSize;
    private readonly int _queueCapacity;
    private readonly TimeSpan _maxBatchDelay;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _gate = new();
    private readonly Queue<Pending> _queue = new();
    private TaskCompletionSource? _batchFull;
    private Task _loop = Task.CompletedTask;
    private bool _running;
    private bool _disposed;
    private double _averageBatchMilliseconds = 5;
    private int _lastBatchSize;
    private long _batches;
    private long _requests;

    public ScoringBatcher(string modelVersion, IBatchRunner runner, ScoringOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(runner);
        ScoringOptionsValidator.ThrowIfInvalid(options);
        _modelVersion = modelVersion;
        _runner = runner;
        _maxBatchSize = options.MaxBatchSize;
        _queueCapacity = options.QueueCapacity;
        _maxBatchDelay = options.MaxBatchDelay;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _lastBatchSize = _maxBatchSize;
        ScoringMetrics.Track(this, modelVersion);
    }

    /// <summary>Batches run so far.</summary>
    public long BatchCount => Interlocked.Read(ref _batches);

    /// <summary>Requests that went through a batch run so far.</summary>
    public long RequestCount => Interlocked.Read(ref _requests);

    /// <summary>Requests waiting for a batch.</summary>
    public int QueueLength
    {
        get
        {
            lock (_gate)
            {
                return _queue.Count;
            }
        }
    }

    /// <summary>Queues a request; completes with its own row of the batch result.</summary>
    /// <exception cref="ScoringOverloadedException">The queue is at <see cref="ScoringOptions.QueueCapacity"/>.</exception>
    public Task<RankedItems> SubmitAsync(BatchRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<RankedItems>(cancellationToken);
        }

        var pending = new Pending(request, _timeProvider.GetTimestamp());
        if (cancellationToken.CanBeCanceled)
        {
            pending.Token = cancellationToken;
            pending.Registration = cancellationToken.Register(static state => ((Pending)state!).Cancel(), pending);
        }

        lock (_gate)
        {
            if (_disposed)
            {
                pending.Registration.Dispose();
                throw new ObjectDisposedException(nameof(ScoringBatcher), $"The batcher of model version '{_modelVersion}' has been disposed.");
            }

            if (_queue.Count >= _queueCapacity)
            {
                pending.Registration.Dispose();
                ScoringMetrics.RecordRefused(_modelVersion);
                throw new ScoringOverloadedException(_modelVersion, _queueCapacity, EstimateRetryAfter());
            }

            _queue.Enqueue(pending);
            if (_queue.Count >= LingerTarget)
            {
                _batchFull?.TrySetResult();
            }

            if (!_running)
            {
                _running = true;
                _loop = Task.Run(RunLoopAsync, CancellationToken.None);
            }
        }

        return pending.Completion.Task;
    }

    private async Task RunLoopAsync()
    {
        try
        {
            await DrainAsync();
        }
        catch (Exception ex)
        {
            // Not expected (runner failures are caught per batch), but a dead loop must not strand queued callers.
            lock (_gate)
            {
                _running = false;
                while (_queue.TryDequeue(out var pending))
                {
                    pending.Fail(ex);
                }
            }
        }
    }

    private async Task DrainAsync()
    {
        var batch = new List<Pending>(_maxBatchSize);
        while (true)
        {
            await WaitForCompanyAsync();
            batch.Clear();
            lock (_gate)
            {
                while (batch.Count < _maxBatchSize && _queue.TryDequeue(out var pending))
                {
                    if (!pending.Completion.Task.IsCompleted)
                    {
                        batch.Add(pending);
                    }
                }

                if (batch.Count == 0 && _queue.Count == 0)
                {
                    _running = false;
                    return;
                }
            }

            if (batch.Count > 0)
            {
                await ExecuteAsync(batch);
            }
        }
    }

    /// <summary>
    /// A linger ends once this many requests are queued: as many as the last batch carried (closed-loop callers come
    /// back together, so waiting for them costs no timer tick), never more than a full batch.
    /// </summary>
    private int LingerTarget => Math.Clamp(_lastBatchSize, 1, _maxBatchSize);

    /// <summary>
    /// Lingers while the queue is short of <see cref="LingerTarget"/> and its oldest request has waited less than
    /// <see cref="ScoringOptions.MaxBatchDelay"/>. Under load the requests that queued behind the running batch are
    /// already older than the cap and go at once (BatchWorker behaviour); a request never waits longer than the cap
    /// for company. The drain itself always takes everything queued, up to a full batch.
    /// </summary>
    private async Task WaitForCompanyAsync()
    {
        if (_maxBatchDelay <= TimeSpan.Zero)
        {
            return;
        }

        Task enough;
        TimeSpan remaining;
        lock (_gate)
        {
            if (_queue.Count == 0 || _queue.Count >= LingerTarget)
            {
                return;
            }

            remaining = _maxBatchDelay - _timeProvider.GetElapsedTime(_queue.Peek().EnqueuedAt);
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }

            _batchFull = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            enough = _batchFull.Task;
        }

        // The system timer truncates to whole milliseconds (0.9 ms would not wait at all), so round up.
        remaining = TimeSpan.FromMilliseconds(Math.Ceiling(remaining.TotalMilliseconds));
        using var cancelDelay = new CancellationTokenSource();
        var delay = Task.Delay(remaining, _timeProvider, cancelDelay.Token);
        await Task.WhenAny(enough, delay);
        await cancelDelay.CancelAsync();
        lock (_gate)
        {
            _batchFull = null;
        }
    }

    private async Task ExecuteAsync(List<Pending> batch)
    {
        var requests = new BatchRequest[batch.Count];
        var started = _timeProvider.GetTimestamp();
        var recordWait = ScoringMetrics.WaitEnabled;
        for (var i = 0; i < batch.Count; i++)
        {
            requests[i] = batch[i].Request;
            if (recordWait)
            {
                ScoringMetrics.RecordWait(_modelVersion, _timeProvider.GetElapsedTime(batch[i].EnqueuedAt, started));
            }
        }

        try
        {
            var results = await _runner.RunAsync(requests, CancellationToken.None);
            if (results.Count != batch.Count)
            {
                throw new InvalidOperationException($"The batch runner returned {results.Count} results for {batch.Count} requests.");
            }

            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Complete(results[i]);
            }
        }
        catch (Exception ex)
        {
            foreach (var pending in batch)
            {
                pending.Fail(ex);
            }
        }

        var duration = _timeProvider.GetElapsedTime(started);
        var elapsed = duration.TotalMilliseconds;
        ScoringMetrics.RecordBatch(_modelVersion, batch.Count, duration);
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _requests, batch.Count);
        lock (_gate)
        {
            _averageBatchMilliseconds = (0.8 * _averageBatchMilliseconds) + (0.2 * elapsed);
            _lastBatchSize = batch.Count;
        }
    }

    /// <summary>Time to drain the current queue at the recent batch rate, clamped to a sensible range.</summary>
    private TimeSpan EstimateRetryAfter()
    {
        var batchesAhead = (_queue.Count / _maxBatchSize) + 1;
        var estimate = TimeSpan.FromMilliseconds(batchesAhead * _averageBatchMilliseconds);
        return estimate < MinRetryAfter ? MinRetryAfter : estimate > MaxRetryAfter ? MaxRetryAfter : estimate;
    }

    /// <summary>Stops accepting requests and waits for the queued and in-flight ones to finish.</summary>
    public async ValueTask DisposeAsync()
    {
        Task loop;
        lock (_gate)
        {
            _disposed = true;
            loop = _loop;
        }

        ScoringMetrics.Untrack(this);
        await loop;
    }

    private sealed class Pending(BatchRequest request, long enqueuedAt)
    {
        public BatchRequest Request { get; } = request;

        public long EnqueuedAt { get; } = enqueuedAt;

        public TaskCompletionSource<RankedItems> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public CancellationTokenRegistration Registration { get; set; }

        public CancellationToken Token { get; set; }

        public void Cancel() => Completion.TrySetCanceled(Token);

        public void Complete(RankedItems result)
        {
            Registration.Dispose();
            Completion.TrySetResult(result);
        }

        public void Fail(Exception ex)
        {
            Registration.Dispose();
            Completion.TrySetException(ex);
        }
    }
}
