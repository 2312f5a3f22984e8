using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using RecoGrid.Grains;
using RecoGrid.Server.Configuration;

namespace RecoGrid.Api.Security;

/// <summary>Authentication, scope policies, rate limits, connection and time limits, CORS and path scrubbing.</summary>
public static class SecurityRegistration
{
    private const string SelectorScheme = "RecoGrid";
    private const string CorsPolicy = "RecoGrid";

    public static IServiceCollection AddRecoGridSecurity(this IServiceCollection services)
    {
        services.AddValidatedOptions<AuthOptions, AuthOptionsValidator>(AuthOptions.Section);
        services.AddValidatedOptions<LimitsOptions, LimitsOptionsValidator>(LimitsOptions.Section);
        services.AddValidatedOptions<CorsSettings, CorsSettingsValidator>(CorsSettings.Section);
        services.AddKnownSettings(AuthOptions.Section, typeof(AuthOptions));
        services.AddKnownSettings(LimitsOptions.Section, typeof(LimitsOptions));
        services.AddKnownSettings(CorsSettings.Section, typeof(CorsSettings));

        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<PathScrubber>();
        services.AddHostedService<AdminKeyBootstrap>();

        services.AddAuthentication(SelectorScheme)
            .AddPolicyScheme(SelectorScheme, "API key or bearer token", policy => policy.ForwardDefaultSelector = SelectScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddJwtBearer(JwtBearerDefaults.AuthenticationScheme, _ => { });
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme).Configure<IOptions<AuthOptions>>((jwt, auth) =>
        {
            jwt.Authority = auth.Value.Jwt.Authority;
            jwt.Audience = auth.Value.Jwt.Audience;
            jwt.RequireHttpsMetadata = auth.Value.Jwt.RequireHttpsMetadata;
            jwt.MapInboundClaims = false;
        });
        services.AddSingleton<IAuthorizationHandler, ScopeRequirementHandler>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        services.AddAuthorization();
        services.AddOptions<AuthorizationOptions>().Configure<IOptions<AuthOptions>>((authorization, auth) => ScopePolicies.AddPolicies(authorization, auth.Value.Mode));
        services.AddOptions<OpenApiOptions>("v1").Configure<IOptions<AuthOptions>>((openApi, auth) => SecurityOpenApi.Configure(openApi, auth.Value.Mode));

        services.AddOptions<KestrelServerOptions>().Configure<IOptions<LimitsOptions>>((kestrel, limits) =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxConcurrentConnections = limits.Value.MaxConnections;
            kestrel.Limits.RequestHeadersTimeout = limits.Value.RequestHeadersTimeout;
            kestrel.Limits.MinRequestBodyDataRate = new MinDataRate(limits.Value.MinBodyBytesPerSecond, limits.Value.BodyGracePeriod);
        });
        services.AddRequestTimeouts();
        services.AddOptions<RequestTimeoutOptions>().Configure<IOptions<LimitsOptions>>((timeouts, limits) => timeouts.DefaultPolicy = new RequestTimeoutPolicy
        {
            Timeout = limits.Value.RequestTimeout,
            TimeoutStatusCode = StatusCodes.Status408RequestTimeout,
            WriteTimeoutResponse = context => TypedResults.Problem(
                statusCode: StatusCodes.Status408RequestTimeout,
                title: "The request took too long.",
                detail: $"The request did not complete within Limits:RequestTimeout = {limits.Value.RequestTimeout}.").ExecuteAsync(context),
        });
        services.AddRateLimiter(_ => { });
        services.AddOptions<RateLimiterOptions>().Configure<IOptions<LimitsOptions>>((rate, limits) => ConfigureRateLimits(rate, limits.Value));
        services.AddCors();
        services.AddOptions<CorsOptions>().Configure<IOptions<CorsSettings>>((cors, settings) => cors.AddPolicy(CorsPolicy, policy =>
        {
            policy.WithOrigins(settings.Value.AllowedOrigins)
                .WithHeaders(ApiKeyFormat.Header, "Authorization", "Content-Type")
                .WithMethods(HttpMethods.Get, HttpMethods.Post, HttpMethods.Put, HttpMethods.Delete)
                .WithExposedHeaders("Retry-After", "Location");
        }));
        services.AddOptions<ProblemDetailsOptions>().Configure(problems =>
        {
            var previous = problems.CustomizeProblemDetails;
            problems.CustomizeProblemDetails = context =>
            {
                previous?.Invoke(context);
                context.HttpContext.RequestServices.GetRequiredService<PathScrubber>().Scrub(context.ProblemDetails);
            };
        });
        return services;
    }

    /// <summary>The security middleware, in order: CORS, authentication, rate limits, authorization, request timeouts.</summary>
    public static WebApplication UseRecoGridSecurity(this WebApplication app)
    {
        if (app.Services.GetRequiredService<IOptions<CorsSettings>>().Value.AllowedOrigins.Length > 0)
        {
            app.UseCors(CorsPolicy);
        }

        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        app.UseRequestTimeouts();
        return app;
    }

    private static string SelectScheme(HttpContext context)
    {
        var mode = context.RequestServices.GetRequiredService<IOptions<AuthOptions>>().Value.Mode;
        return mode == AuthMode.Jwt && context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? JwtBearerDefaults.AuthenticationScheme
            : ApiKeyAuthenticationHandler.SchemeName;
    }

    private static void ConfigureRateLimits(RateLimiterOptions rate, LimitsOptions limits)
    {
        rate.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        if (limits.RequestsPerSecond == 0)
        {
            return;
        }

        // Tokens are added ten times a second (or once per request interval below 10/s), so a burst refills smoothly.
        var period = limits.RequestsPerSecond >= 10 ? TimeSpan.FromMilliseconds(100) : TimeSpan.FromSeconds(1.0 / limits.RequestsPerSecond);
        var perPeriod = limits.RequestsPerSecond >= 10 ? (int)Math.Ceiling(limits.RequestsPerSecond / 10.0) : 1;
        rate.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context => RateLimitPartition.GetTokenBucketLimiter(
            PartitionOf(context),
            _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = limits.RequestBurst,
                TokensPerPeriod = perPeriod,
                ReplenishmentPeriod = period,
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
        rate.OnRejected = async (rejected, cancellationToken) =>
        {
            var retryAfter = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : period;
            var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
            rejected.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            await TypedResults.Problem(
                statusCode: StatusCodes.Status429TooManyRequests,
                title: "Too many requests.",
                detail: $"This client sent more than Limits:RequestsPerSecond = {limits.RequestsPerSecond} requests per second (bursts up to {limits.RequestBurst}). Retry after {seconds} s.").ExecuteAsync(rejected.HttpContext);
        };
    }

    // Authenticated requests are limited per API key (or token subject), anonymous ones per client address.
    private static string PartitionOf(HttpContext context)
    {
        if (context.User.FindFirst(Scopes.KeyIdClaimType)?.Value is { } keyId)
        {
            return "key:" + keyId;
        }

        if (context.User.Identity?.IsAuthenticated == true && context.User.FindFirst("sub")?.Value is { } subject)
        {
            return "sub:" + subject;
        }

        return "ip:" + context.Connection.RemoteIpAddress;
    }
}
