using System.Security.Claims;

namespace RecoGrid.Api.Security;

/// <summary>The scopes an API key or token may carry; each is also the name of the authorization policy that needs it.</summary>
public static class Scopes
{
    /// <summary>POST /v1/events.</summary>
    public const string EventsWrite = "events:write";

    /// <summary>Recommendations and user summaries (GET /v1/users/...), and reading items.</summary>
    public const string RecommendationsRead = "recommendations:read";

    /// <summary>Writing the item catalogue (PUT /v1/items/..., POST /v1/items:batch), and reading items.</summary>
    public const string CatalogWrite = "catalog:write";

    /// <summary>Everything: models, keys, user erasure, and every other scope's endpoints.</summary>
    public const string Admin = "admin";

    /// <summary>The scopes a key can be given.</summary>
    public static IReadOnlyList<string> All { get; } = [EventsWrite, RecommendationsRead, CatalogWrite, Admin];

    /// <summary>The claim type that carries scopes (one per claim for API keys; space-separated in OAuth tokens).</summary>
    public const string ClaimType = "scope";

    /// <summary>The claim that names the API key a request authenticated with.</summary>
    public const string KeyIdClaimType = "key_id";

    /// <summary>The scopes of an authenticated principal: every <c>scope</c> and <c>scp</c> claim, split on spaces.</summary>
    public static HashSet<string> Of(ClaimsPrincipal principal)
    {
        var scopes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var claim in principal.Claims)
        {
            if (claim.Type is ClaimType or "scp" or "http://schemas.microsoft.com/identity/claims/scope")
            {
                scopes.UnionWith(claim.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries));
            }
        }

        return scopes;
    }
}
