using Microsoft.Extensions.Options;

namespace RecoGrid.Api.Security;

/// <summary>How clients authenticate.</summary>
public enum AuthMode
{
    /// <summary>API keys in the <c>X-Api-Key</c> header (the default).</summary>
    ApiKey,

    /// <summary>JWT bearer tokens from the configured authority, and API keys as well.</summary>
    Jwt,

    /// <summary>No authentication: every endpoint is open (local experiments only; a warning is logged at start-up).</summary>
    None,
}

/// <summary>Authentication settings (section <c>Auth</c>).</summary>
public sealed class AuthOptions
{
    public const string Section = "Auth";

    /// <summary>ApiKey (default), Jwt or None.</summary>
    public AuthMode Mode { get; set; } = AuthMode.ApiKey;

    /// <summary>How long a node trusts its cached copy of the key registry (a revocation reaches every node within this).</summary>
    public TimeSpan KeyCacheRefresh { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Create a local admin key (written to the data folder) when no active admin key exists.</summary>
    public bool BootstrapAdminKey { get; set; } = true;

    /// <summary>JWT bearer settings, used when <see cref="Mode"/> is Jwt.</summary>
    public JwtSettings Jwt { get; set; } = new();
}

/// <summary>JWT bearer settings (section <c>Auth:Jwt</c>).</summary>
public sealed class JwtSettings
{
    /// <summary>The token issuer's address; its OpenID Connect metadata supplies the signing keys.</summary>
    public string? Authority { get; set; }

    /// <summary>The audience tokens must be issued for.</summary>
    public string? Audience { get; set; }

    /// <summary>Whether the authority's metadata must be fetched over HTTPS (turn off only for a local test issuer).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;
}

/// <summary>Validates <see cref="AuthOptions"/>; messages name the setting.</summary>
public sealed class AuthOptionsValidator : IValidateOptions<AuthOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthOptions options)
    {
        var errors = new List<string>();
        if (!Enum.IsDefined(options.Mode))
        {
            errors.Add($"Auth:Mode must be ApiKey, Jwt or None (was {options.Mode}).");
        }

        if (options.KeyCacheRefresh < TimeSpan.FromMilliseconds(100) || options.KeyCacheRefresh > TimeSpan.FromHours(1))
        {
            errors.Add($"Auth:KeyCacheRefresh must be between 00:00:00.1 and 01:00:00 (was {options.KeyCacheRefresh}).");
        }

        if (options.Mode == AuthMode.Jwt)
        {
            if (!Uri.TryCreate(options.Jwt.Authority, UriKind.Absolute, out var authority) || authority.Scheme is not ("https" or "http"))
            {
                errors.Add("Auth:Jwt:Authority must be an absolute http(s) address when Auth:Mode is Jwt.");
            }
            else if (authority.Scheme == "http" && options.Jwt.RequireHttpsMetadata)
            {
                errors.Add("Auth:Jwt:Authority is plain http; use https, or set Auth:Jwt:RequireHttpsMetadata=false for a local test issuer.");
            }

            if (string.IsNullOrWhiteSpace(options.Jwt.Audience))
            {
                errors.Add("Auth:Jwt:Audience is required when Auth:Mode is Jwt.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
