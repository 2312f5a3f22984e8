using System.Runtime.ExceptionServices;

namespace RecoGrid.Grains.Common;

/// <summary>
/// Turns many concurrent "persist my change" requests into few writes: one write in flight,
/// and every request that arrives meanwhile shares the next one. Use only from a grain's scheduler.
/// </summary>
/// <param name="write">Persists the grain's current state.</param>
/// <param name="onFailure">
/// Called when a write fails: memory then holds changes that storage does not, so grains pass
/// <c>DeactivateOnIdle</c> to reload from storage on next use.
/// </param>
public sealed class CoalescingWriter(Func<Task> write, Action onFailure)
{
    private bool _busy;
    private TaskCompletionSource? _next;

    /// <summary>Completes once a write that started after this call has finished.</summary>
    public async Task WriteAsync()
    {
        try
        {
            await Coalesce();
        }
        catch
        {
            onFailure();
            throw;
        }
    }

    private Task Coalesce()
    {
        if (_busy)
        {
            _next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _next.Task;
        }

        _busy = true;
        return WriteLoopAsync();
    }

    private async Task WriteLoopAsync()
    {
        ExceptionDispatchInfo? failure = null;
        try
        {
            await write();
        }
        catch (Exception exception)
        {
            failure = ExceptionDispatchInfo.Capture(exception);
        }

        while (_next is { } waiting)
        {
            _next = null;
            try
            {
                await write();
                waiting.SetResult();
            }
            catch (Exception exception)
            {
                waiting.SetException(exception);
            }
        }

        _busy = false;
        failure?.Throw();
    }
}
