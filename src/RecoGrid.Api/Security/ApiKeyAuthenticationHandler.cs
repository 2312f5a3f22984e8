using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RecoGrid.Grains.Common;

namespace RecoGrid.Api.Security;

/// <summary>Authenticates requests by the API key in the <c>X-Api-Key</c> header.</summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    ApiKeyStore store,
    [FromKeyedServices(RecoGridClock.Key)] TimeProvider clock) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    /// <summary>The scheme name.</summary>
    public const string SchemeName = "ApiKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(ApiKeyFormat.Header, out var values))
        {
            // A browser cannot add X-Api-Key to the dashboard's own requests; it sends the key as a Basic password instead.
            if (!IsDashboard || DashboardKey() is not { } basicKey)
            {
                return AuthenticateResult.NoResult();
            }

            values = basicKey;
        }

        if (values.Count != 1 || !ApiKeyFormat.TryParse(values[0], out var keyId, out var secret))
        {
            return AuthenticateResult.Fail("The X-Api-Key header does not hold one API key.");
        }

        var key = await store.FindAsync(keyId, Context.RequestAborted);
        if (key is null || !ApiKeyFormat.Matches(secret, key.SecretSha256))
        {
            return AuthenticateResult.Fail("Unknown API key.");
        }

        if (!key.IsActive(clock.GetUtcNow()))
        {
            return AuthenticateResult.Fail(key.RevokedAt is null ? "The API key has expired." : "The API key has been revoked.");
        }

        var claims = new List<Claim> { new(Scopes.KeyIdClaimType, key.KeyId), new(ClaimTypes.Name, key.Client) };
        claims.AddRange(key.Scopes.Select(scope => new Claim(Scopes.ClaimType, scope)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.Append("WWW-Authenticate", $"ApiKey header=\"{ApiKeyFormat.Header}\"");
        if (IsDashboard)
        {
            Response.Headers.Append("WWW-Authenticate", "Basic realm=\"RecoGrid dashboard: any user name, an admin API key as the password\", charset=\"UTF-8\"");
        }

        return Task.CompletedTask;
    }

    private bool IsDashboard => Request.Path.StartsWithSegments(ApiRegistration.DashboardPath);

    // The password of an "Authorization: Basic" header (the user name is ignored), or null.
    private string? DashboardKey()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        try
        {
            var decoded = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? null : decoded[(colon + 1)..];
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
