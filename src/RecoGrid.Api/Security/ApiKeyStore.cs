using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Common;

namespace RecoGrid.Api.Security;

/// <summary>A newly created key: the only time its secret is seen.</summary>
public sealed record CreatedApiKey(string Key, ApiKeyRecord Record);

/// <summary>
/// This silo's view of the cluster's key registry (<see cref="IApiKeyRegistryGrain"/>): lookups are served from a
/// cached snapshot, refreshed when it is older than <c>Auth:KeyCacheRefresh</c> and at most once a second for an id it
/// does not know (so a key created on another node works at once, and random keys cannot hammer the registry). When the
/// registry cannot be reached, the last snapshot keeps serving.
/// </summary>
public sealed partial class ApiKeyStore(
    IGrainFactory grains,
    IOptions<AuthOptions> options,
    [FromKeyedServices(RecoGridClock.Key)] TimeProvider time,
    ILogger<ApiKeyStore> logger)
{
    private static readonly TimeSpan MissRefresh = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _refresh = new(1, 1);
    private volatile Snapshot _snapshot = new(0, ImmutableDictionary<string, ApiKeyRecord>.Empty, DateTimeOffset.MinValue);

    private IApiKeyRegistryGrain Registry => grains.GetGrain<IApiKeyRegistryGrain>(ApiKeyRegistry.GrainKey);

    /// <summary>The key with id <paramref name="keyId"/>, or null when there is none.</summary>
    public async ValueTask<ApiKeyRecord?> FindAsync(string keyId, CancellationToken cancellationToken)
    {
        var snapshot = _snapshot;
        var age = time.GetUtcNow() - snapshot.LoadedAt;
        var known = snapshot.Keys.TryGetValue(keyId, out var key);
        if (age < options.Value.KeyCacheRefresh && (known || age < MissRefresh))
        {
            return key;
        }

        snapshot = await RefreshAsync(snapshot, cancellationToken);
        return snapshot.Keys.GetValueOrDefault(keyId);
    }

    /// <summary>Every key, revoked ones included, newest first, read from the registry.</summary>
    public async Task<IReadOnlyList<ApiKeyRecord>> ListAsync(CancellationToken cancellationToken)
    {
        var snapshot = await RefreshAsync(null, cancellationToken);
        return [.. snapshot.Keys.Values.OrderByDescending(k => k.CreatedAt).ThenBy(k => k.KeyId, StringComparer.Ordinal)];
    }

    /// <summary>Creates a key for <paramref name="client"/> with <paramref name="scopes"/>.</summary>
    public async Task<CreatedApiKey> CreateAsync(string client, IReadOnlyCollection<string> scopes, DateTimeOffset? expiresAt, CancellationToken cancellationToken)
    {
        while (true)
        {
            var (keyId, hash, key) = ApiKeyFormat.Generate();
            var record = new ApiKeyRecord(keyId, client, [.. scopes.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)], hash, time.GetUtcNow(), expiresAt, null);
            if (await Registry.Add(record))
            {
                await RefreshAsync(null, cancellationToken);
                return new CreatedApiKey(key, record);
            }
        }
    }

    /// <summary>Creates the local admin key unless an active admin key exists (decided atomically by the registry).</summary>
    public async Task<CreatedApiKey?> CreateBootstrapAdminKeyAsync(CancellationToken cancellationToken)
    {
        var (keyId, hash, key) = ApiKeyFormat.Generate();
        var record = new ApiKeyRecord(keyId, "local-admin", [Scopes.Admin], hash, time.GetUtcNow(), null, null);
        var added = await Registry.AddIfNoActiveAdmin(record, Scopes.Admin);
        await RefreshAsync(null, cancellationToken);
        return added ? new CreatedApiKey(key, record) : null;
    }

    /// <summary>Revokes a key; false when there is no such key. Other nodes stop accepting it within Auth:KeyCacheRefresh.</summary>
    public async Task<bool> RevokeAsync(string keyId, CancellationToken cancellationToken)
    {
        var revoked = await Registry.Revoke(keyId, time.GetUtcNow());
        await RefreshAsync(null, cancellationToken);
        return revoked;
    }

    // One refresh at a time; callers that waited behind one reuse its result. A failed refresh keeps the last snapshot
    // (after the first successful one), so a registry outage does not lock every client out.
    private async Task<Snapshot> RefreshAsync(Snapshot? seen, CancellationToken cancellationToken)
    {
        await _refresh.WaitAsync(cancellationToken);
        try
        {
            var current = _snapshot;
            if (seen is not null && !ReferenceEquals(current, seen))
            {
                return current;
            }

            try
            {
                var now = time.GetUtcNow();
                var fresh = await Registry.GetSnapshot(current.Version);
                _snapshot = fresh is null
                    ? current with { LoadedAt = now }
                    : new Snapshot(fresh.Version, fresh.Keys.ToImmutableDictionary(k => k.KeyId, StringComparer.Ordinal), now);
            }
            catch (Exception exception) when (current.LoadedAt != DateTimeOffset.MinValue && exception is not OperationCanceledException)
            {
                LogRefreshFailed(exception.GetType().Name);
                _snapshot = current with { LoadedAt = time.GetUtcNow() };
            }

            return _snapshot;
        }
        finally
        {
            _refresh.Release();
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The API key registry could not be read ({Kind}); serving the last known keys.")]
    private partial void LogRefreshFailed(string kind);

    private sealed record Snapshot(long Version, ImmutableDictionary<string, ApiKeyRecord> Keys, DateTimeOffset LoadedAt);
}
