using RecoGrid.Abstractions;
using RecoGrid.Api.Security;
using RecoGrid.Server.Events;

namespace RecoGrid.Api;

/// <summary>/v1/admin/keys: API keys (the same operations as `recogrid keys`).</summary>
public static class KeysApi
{
    /// <summary>Body of POST /v1/admin/keys.</summary>
    public sealed record CreateKeyRequest(string? Client, IReadOnlyList<string>? Scopes, DateTimeOffset? ExpiresAt);

    /// <summary>A key as listed: never its secret.</summary>
    public sealed record KeyInfo(string KeyId, string Client, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt, DateTimeOffset? ExpiresAt, DateTimeOffset? RevokedAt, bool Active);

    /// <summary>Reply to POST /v1/admin/keys: the key itself is shown here only.</summary>
    public sealed record CreatedKey(string Key, KeyInfo Info);

    /// <summary>Reply of GET /v1/admin/keys.</summary>
    public sealed record KeyList(IReadOnlyList<KeyInfo> Keys);

    public static RouteGroupBuilder MapKeysApi(this RouteGroupBuilder group)
    {
        var keys = group.MapGroup("/admin/keys").WithTags("Keys (admin)");
        keys.MapPost("", Create)
            .WithName("CreateKey")
            .WithSummary("Create an API key for a client with the given scopes; the key is in this answer only (only its hash is stored).")
            .WithDescription("Rotation without downtime: create a second key for the client, deploy it, then revoke the old one. Scopes: events:write, recommendations:read, catalog:write, admin.")
            .Accepts<CreateKeyRequest>("application/json")
            .Produces<CreatedKey>(StatusCodes.Status201Created)
            .ProducesValidationProblem();
        keys.MapGet("", List)
            .WithName("ListKeys")
            .WithSummary("List API keys (ids, clients, scopes, state); never their secrets.")
            .Produces<KeyList>();
        keys.MapDelete("/{keyId}", Revoke)
            .WithName("RevokeKey")
            .WithSummary("Revoke an API key; every node refuses it within Auth:KeyCacheRefresh.")
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return group;
    }

    private static async Task<IResult> Create(HttpRequest request, ApiKeyStore store, CancellationToken cancellationToken)
    {
        var (body, problem) = await RequestBody.ReadAsync<CreateKeyRequest>(request, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        var errors = new FieldErrors();
        if (Ids.Check(body!.Client, 128) is { } clientProblem)
        {
            errors.Add("client", clientProblem);
        }

        var scopes = body.Scopes ?? [];
        if (scopes.Count == 0)
        {
            errors.Add("scopes", $"must list at least one of {string.Join(", ", Scopes.All)}");
        }

        for (var i = 0; i < scopes.Count; i++)
        {
            if (scopes[i] is null || !Scopes.All.Contains(scopes[i]))
            {
                errors.Add($"scopes[{i}]", $"must be one of {string.Join(", ", Scopes.All)}");
            }
        }

        if (body.ExpiresAt is { } expires && expires <= DateTimeOffset.UtcNow)
        {
            errors.Add("expiresAt", "must be in the future");
        }

        if (!errors.IsEmpty)
        {
            return errors.ToProblem("The key request is invalid; no key was created.");
        }

        var created = await store.CreateAsync(Ids.Normalize(body.Client!), scopes, body.ExpiresAt, cancellationToken);
        return TypedResults.Created($"/v1/admin/keys/{created.Record.KeyId}", new CreatedKey(created.Key, ToInfo(created.Record)));
    }

    private static async Task<IResult> List(ApiKeyStore store, CancellationToken cancellationToken) =>
        TypedResults.Ok(new KeyList([.. (await store.ListAsync(cancellationToken)).Select(ToInfo)]));

    private static async Task<IResult> Revoke(string keyId, ApiKeyStore store, CancellationToken cancellationToken)
    {
        if (keyId.Length != 16 || !keyId.All(char.IsAsciiHexDigitLower))
        {
            return RequestBody.Invalid("keyId", "must be a key id as `recogrid keys list` shows it (16 hexadecimal digits)");
        }

        return await store.RevokeAsync(keyId, cancellationToken)
            ? TypedResults.NoContent()
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such key.", detail: $"There is no API key '{keyId}'.");
    }

    private static KeyInfo ToInfo(ApiKeyRecord key) =>
        new(key.KeyId, key.Client, key.Scopes, key.CreatedAt, key.ExpiresAt, key.RevokedAt, key.IsActive(DateTimeOffset.UtcNow));
}
