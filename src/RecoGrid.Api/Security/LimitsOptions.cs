using Microsoft.Extensions.Options;

namespace RecoGrid.Api.Security;

/// <summary>Abuse limits of the HTTP endpoint (section <c>Limits</c>).</summary>
public sealed class LimitsOptions
{
    public const string Section = "Limits";

    /// <summary>Requests per second each API key (or, unauthenticated, each client address) may make on average; 0 turns rate limiting off.</summary>
    public int RequestsPerSecond { get; set; } = 500;

    /// <summary>Requests a key may make at once above the average before it is limited (the token bucket's size).</summary>
    public int RequestBurst { get; set; } = 1000;

    /// <summary>Most open client connections; more wait in the listen backlog.</summary>
    public int MaxConnections { get; set; } = 1000;

    /// <summary>Longest a request may take, body included, before it is answered 408 (model registration is exempt).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest a client may take to send the request headers.</summary>
    public TimeSpan RequestHeadersTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Slowest a request body may arrive, in bytes per second, once <see cref="BodyGracePeriod"/> has passed; slower bodies get 408.</summary>
    public int MinBodyBytesPerSecond { get; set; } = 240;

    /// <summary>How long a body may arrive more slowly than <see cref="MinBodyBytesPerSecond"/> at first (more than one second).</summary>
    public TimeSpan BodyGracePeriod { get; set; } = TimeSpan.FromSeconds(5);
}

/// <summary>Validates <see cref="LimitsOptions"/>; messages name the setting.</summary>
public sealed class LimitsOptionsValidator : IValidateOptions<LimitsOptions>
{
    public ValidateOptionsResult Validate(string? name, LimitsOptions options)
    {
        var errors = new List<string>();
        if (options.RequestsPerSecond is < 0 or > 1_000_000)
        {
            errors.Add($"Limits:RequestsPerSecond must be between 0 (off) and 1000000 (was {options.RequestsPerSecond}).");
        }

        if (options.RequestsPerSecond > 0 && (options.RequestBurst < 1 || options.RequestBurst > 10_000_000))
        {
            errors.Add($"Limits:RequestBurst must be between 1 and 10000000 (was {options.RequestBurst}).");
        }

        if (options.MaxConnections is < 1 or > 1_000_000)
        {
            errors.Add($"Limits:MaxConnections must be between 1 and 1000000 (was {options.MaxConnections}).");
        }

        if (options.RequestTimeout < TimeSpan.FromMilliseconds(100) || options.RequestTimeout > TimeSpan.FromHours(1))
        {
            errors.Add($"Limits:RequestTimeout must be between 00:00:00.1 and 01:00:00 (was {options.RequestTimeout}).");
        }

        if (options.RequestHeadersTimeout < TimeSpan.FromMilliseconds(100) || options.RequestHeadersTimeout > TimeSpan.FromMinutes(10))
        {
            errors.Add($"Limits:RequestHeadersTimeout must be between 00:00:00.1 and 00:10:00 (was {options.RequestHeadersTimeout}).");
        }

        if (options.MinBodyBytesPerSecond is < 1 or > 100_000_000)
        {
            errors.Add($"Limits:MinBodyBytesPerSecond must be between 1 and 100000000 (was {options.MinBodyBytesPerSecond}).");
        }

        if (options.BodyGracePeriod <= TimeSpan.FromSeconds(1) || options.BodyGracePeriod > TimeSpan.FromMinutes(10))
        {
            errors.Add($"Limits:BodyGracePeriod must be more than 00:00:01 and at most 00:10:00 (was {options.BodyGracePeriod}).");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>Cross-origin requests (section <c>Cors</c>): off unless origins are listed.</summary>
public sealed class CorsSettings
{
    public const string Section = "Cors";

    /// <summary>Origins (scheme://host[:port]) whose web pages may call the API; empty (the default) allows none.</summary>
    public string[] AllowedOrigins { get; set; } = [];
}

/// <summary>Validates <see cref="CorsSettings"/>; messages name the setting.</summary>
public sealed class CorsSettingsValidator : IValidateOptions<CorsSettings>
{
    public ValidateOptionsResult Validate(string? name, CorsSettings options)
    {
        var errors = new List<string>();
        foreach (var origin in options.AllowedOrigins)
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") ||
                uri.PathAndQuery != "/" || origin.EndsWith('/') || !string.IsNullOrEmpty(uri.UserInfo))
            {
                errors.Add($"Cors:AllowedOrigins: '{origin}' is not an origin of the form https://host[:port].");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
