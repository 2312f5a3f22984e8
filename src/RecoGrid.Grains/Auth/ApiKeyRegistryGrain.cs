using RecoGrid.Abstractions;

namespace RecoGrid.Grains.Auth;

/// <summary>Persisted API keys.</summary>
[GenerateSerializer, Alias("recogrid.api-key-registry-state.v1")]
public sealed class ApiKeyRegistryState
{
    [Id(0)] public Dictionary<string, ApiKeyRecord> Keys { get; set; } = new(StringComparer.Ordinal);

    [Id(1)] public long Version { get; set; }
}

/// <summary>The cluster's API keys; every change is durable before it is acknowledged.</summary>
public sealed class ApiKeyRegistryGrain(
    [PersistentState("keys", StorageNames.Keys)] IPersistentState<ApiKeyRegistryState> state) : Grain, IApiKeyRegistryGrain
{
    /// <summary>Most keys (revoked ones included) the registry holds, so the state stays small.</summary>
    public const int MaxKeys = 10_000;

    public async Task<bool> Add(ApiKeyRecord key)
    {
        if (state.State.Keys.ContainsKey(key.KeyId))
        {
            return false;
        }

        if (state.State.Keys.Count >= MaxKeys)
        {
            throw new InvalidOperationException($"The key registry holds {MaxKeys} keys, its limit.");
        }

        await ChangeAsync(keys => keys[key.KeyId] = key);
        return true;
    }

    public async Task<bool> AddIfNoActiveAdmin(ApiKeyRecord key, string adminScope)
    {
        var now = DateTimeOffset.UtcNow;
        if (state.State.Keys.Values.Any(k => k.IsActive(now) && k.Scopes.Contains(adminScope)))
        {
            return false;
        }

        return await Add(key);
    }

    public async Task<bool> Revoke(string keyId, DateTimeOffset at)
    {
        if (!state.State.Keys.TryGetValue(keyId, out var key))
        {
            return false;
        }

        if (key.RevokedAt is null)
        {
            await ChangeAsync(keys => keys[keyId] = key with { RevokedAt = at });
        }

        return true;
    }

    public Task<ApiKeySnapshot?> GetSnapshot(long knownVersion) =>
        Task.FromResult(knownVersion != 0 && knownVersion == state.State.Version
            ? null
            : new ApiKeySnapshot(state.State.Version, [.. state.State.Keys.Values]));

    // The change is undone in memory when it cannot be made durable, so memory never runs ahead of storage.
    private async Task ChangeAsync(Action<Dictionary<string, ApiKeyRecord>> change)
    {
        var before = new Dictionary<string, ApiKeyRecord>(state.State.Keys, StringComparer.Ordinal);
        change(state.State.Keys);
        state.State.Version++;
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            state.State.Keys = before;
            state.State.Version--;
            throw;
        }
    }
}
