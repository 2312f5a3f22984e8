using System.Collections.Immutable;

namespace RecoGrid.Abstractions;

/// <summary>One API key as stored: its public id, the SHA-256 of its secret (never the secret), and its scopes.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.api-key.v1")]
public sealed record ApiKeyRecord(
    [property: Id(0)] string KeyId,
    [property: Id(1)] string Client,
    [property: Id(2)] ImmutableArray<string> Scopes,
    [property: Id(3)] string SecretSha256,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] DateTimeOffset? ExpiresAt,
    [property: Id(6)] DateTimeOffset? RevokedAt)
{
    /// <summary>Whether the key authenticates at <paramref name="now"/>.</summary>
    public bool IsActive(DateTimeOffset now) => RevokedAt is null && (ExpiresAt is null || ExpiresAt > now);
}

/// <summary>Every key of the registry, with a version that grows on every change.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.api-key-snapshot.v1")]
public sealed record ApiKeySnapshot(
    [property: Id(0)] long Version,
    [property: Id(1)] ImmutableArray<ApiKeyRecord> Keys);

/// <summary>
/// The cluster's API keys, in one grain whose state lives in the <see cref="StorageNames.Keys"/> grain store, so every
/// node shares them; nodes cache a snapshot. Key: <see cref="ApiKeyRegistry.GrainKey"/>.
/// </summary>
[Alias("recogrid.IApiKeyRegistryGrain")]
public interface IApiKeyRegistryGrain : IGrainWithStringKey
{
    /// <summary>Adds a key; false when its id is taken (the caller draws another).</summary>
    [Alias("Add")]
    Task<bool> Add(ApiKeyRecord key);

    /// <summary>
    /// Adds <paramref name="key"/> (an admin key) only when no active key has the admin scope, atomically, so that of
    /// several nodes starting at once only one creates the local admin key. True when it was added.
    /// </summary>
    [Alias("AddIfNoActiveAdmin")]
    Task<bool> AddIfNoActiveAdmin(ApiKeyRecord key, string adminScope);

    /// <summary>Marks a key revoked at <paramref name="at"/>; false when there is no such key.</summary>
    [Alias("Revoke")]
    Task<bool> Revoke(string keyId, DateTimeOffset at);

    /// <summary>The keys, or null when <paramref name="knownVersion"/> is still current.</summary>
    [Alias("GetSnapshot")]
    Task<ApiKeySnapshot?> GetSnapshot(long knownVersion);
}

/// <summary>Constants of the key registry.</summary>
public static class ApiKeyRegistry
{
    /// <summary>The key of the one registry grain.</summary>
    public const string GrainKey = "default";
}
