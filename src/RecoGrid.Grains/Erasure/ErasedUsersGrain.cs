using Orleans.Concurrency;
using RecoGrid.Abstractions;

namespace RecoGrid.Grains.Erasure;

/// <summary>Persisted erased-set of one model version.</summary>
[GenerateSerializer, Alias("recogrid.erased-users-state.v1")]
public sealed class ErasedUsersState
{
    [Id(0)] public HashSet<string> Users { get; set; } = new(StringComparer.Ordinal);
}

/// <summary>
/// The users erased after one model version was trained. Reads interleave (every user of a fresh version asks once);
/// an erasure is durable before it returns, so a user grain resets its state only after its artifact data is fenced off.
/// </summary>
[Reentrant]
public sealed class ErasedUsersGrain(
    [PersistentState("erased-users", StorageNames.Users)] IPersistentState<ErasedUsersState> state) : Grain, IErasedUsersGrain
{
    private Task _write = Task.CompletedTask;

    public async Task Erase(string userId)
    {
        if (state.State.Users.Add(userId))
        {
            // Writes are chained so that concurrent erasures (reentrant turns) never write at the same time.
            _write = WriteAfter(_write);
        }

        await _write;
    }

    public Task<bool> IsErased(string userId) => Task.FromResult(state.State.Users.Contains(userId));

    public Task<int> Count() => Task.FromResult(state.State.Users.Count);

    private async Task WriteAfter(Task previous)
    {
        try
        {
            await previous;
        }
        catch
        {
            // The previous write failed for its caller; this one writes the whole set again.
        }

        await state.WriteStateAsync();
    }
}
