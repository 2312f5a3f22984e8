using RecoGrid.Storage.Log;

namespace RecoGrid.Storage.Tests.Log;

/// <summary>Wraps a writer to see how a group committer uses it: the size of each append, and a gate that can hold the next one.</summary>
internal sealed class RecordingWriter(ILogPartitionWriter inner) : ILogPartitionWriter
{
    private readonly Lock _lock = new();
    private readonly List<int> _appendSizes = [];
    private TaskCompletionSource? _gate;
    private TaskCompletionSource _held = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _concurrent;

    public int Partition => inner.Partition;

    public long NextSequence => inner.NextSequence;

    public int MaxConcurrentAppends { get; private set; }

    public IReadOnlyList<int> AppendSizes
    {
        get
        {
            lock (_lock)
            {
                return [.. _appendSizes];
            }
        }
    }

    /// <summary>Makes the next append wait until the returned source is completed; <see cref="Held"/> completes once it is waiting.</summary>
    public TaskCompletionSource HoldNextAppend()
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_lock)
        {
            _gate = gate;
            _held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        return gate;
    }

    public Task Held
    {
        get
        {
            lock (_lock)
            {
                return _held.Task;
            }
        }
    }

    public async Task<long> AppendAsync(IReadOnlyList<LogAppend> records, CancellationToken cancellationToken = default)
    {
        TaskCompletionSource? gate;
        lock (_lock)
        {
            _appendSizes.Add(records.Count);
            MaxConcurrentAppends = Math.Max(MaxConcurrentAppends, ++_concurrent);
            (gate, _gate) = (_gate, null);
        }

        try
        {
            if (gate is not null)
            {
                _held.TrySetResult();
                await gate.Task;
            }

            return await inner.AppendAsync(records, cancellationToken);
        }
        finally
        {
            lock (_lock)
            {
                _concurrent--;
            }
        }
    }

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
