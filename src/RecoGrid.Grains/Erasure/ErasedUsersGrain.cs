using Orleans.Concurrency;
using RecoGrid.Abstractions;

namespace RecoGrid.Grains.Erasure;

/// <summary>Persisted erased-set of one model version.</summary>
[GenerateSerializer, Alias("recogrid.erased-users-state.v1")]
public sealed class ErasedUsersState
{
    [Id(0)] public HashSet<string> Users { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Whether a version's set has taken in the ledger's erasures (once, when it is first used).</summary>
    [Id(1)] public bool Seeded { get; set; }
}

/// <summary>
/// The users erased after one model version was trained. Reads interleave (every user of a fresh version asks once);
/// an erasure is durable before it returns, so a user grain resets its state only after its artifact data is fenced off.
/// A version's set is seeded from the ledger (<see cref="IErasedUsersGrain.Ledger"/>) when it is first activated: an
/// erasure is recorded in the ledger before the versions registered at that moment, so a version registered later,
/// whatever data it was trained from, never serves an erased user's trained vector. (A user who comes back after an
/// erasure is ranked from their new events by fold-in, never from a trained vector of theirs.)
/// </summary>
[Reentrant]
public sealed class ErasedUsersGrain(
    [PersistentState("erased-users", StorageNames.Users)] IPersistentState<ErasedUsersState> state) : Grain, IErasedUsersGrain
{
    private Task _write = Task.CompletedTask;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Seeded || this.GetPrimaryKeyString() == IErasedUsersGrain.Ledger)
        {
            return;
        }

        // Before any answer: the activation completes only once the copy is durable.
        state.State.Users.UnionWith(await GrainFactory.GetGrain<IErasedUsersGrain>(IErasedUsersGrain.Ledger).Users());
        state.State.Seeded = true;
        await state.WriteStateAsync(cancellationToken);
    }

    public Task<string[]> Users() => Task.FromResult(state.State.Users.ToArray());

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
