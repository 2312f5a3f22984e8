namespace RecoGrid.Grains.Common;

/// <summary>
/// A value reloaded by one caller at a time: callers that queue behind a reload get its result
/// instead of reloading again.
/// </summary>
public sealed class SingleFlight<T>(T initial)
    where T : class
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private T _value = initial;
    private long _generation;

    /// <summary>The latest loaded value.</summary>
    public T Value => Volatile.Read(ref _value);

    /// <summary>Runs <paramref name="load"/> (given the current value) unless another reload finished while this caller waited.</summary>
    public async Task<T> RefreshAsync(Func<T, Task<T>> load, CancellationToken cancellationToken)
    {
        var generation = Volatile.Read(ref _generation);
        await _lock.WaitAsync(cancellationToken);
        try
        {
            if (Volatile.Read(ref _generation) != generation)
            {
                return _value;
            }

            var next = await load(_value);
            Volatile.Write(ref _value, next);
            Interlocked.Increment(ref _generation);
            return next;
        }
        finally
        {
            _lock.Release();
        }
    }
}
