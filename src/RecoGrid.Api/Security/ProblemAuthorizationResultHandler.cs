using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Policy;

namespace RecoGrid.Api.Security;

/// <summary>Answers 401 and 403 as problem+json that says what is missing.</summary>
public sealed class ProblemAuthorizationResultHandler(IProblemDetailsService problems) : IAuthorizationMiddlewareResultHandler
{
    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult authorizeResult)
    {
        if (authorizeResult.Challenged)
        {
            await context.ChallengeAsync();
            var sent = context.Request.Headers.ContainsKey(ApiKeyFormat.Header) || context.Request.Headers.Authorization.Count > 0;
            await WriteAsync(context, StatusCodes.Status401Unauthorized, "Authentication required.", sent
                ? "The credentials are not valid: the API key is unknown, revoked or expired, or the token was refused."
                : $"Send an API key in the {ApiKeyFormat.Header} header (or a bearer token where JWT is enabled).");
            return;
        }

        if (authorizeResult.Forbidden)
        {
            var needed = policy.Requirements.OfType<ScopeRequirement>().FirstOrDefault();
            var scopes = needed is null ? Scopes.Admin : string.Join(" or ", needed.AnyOf.Append(Scopes.Admin).Distinct(StringComparer.Ordinal));
            await WriteAsync(context, StatusCodes.Status403Forbidden, "Missing scope.", $"This endpoint needs a key with the scope {scopes}.");
            return;
        }

        await next(context);
    }

    private async Task WriteAsync(HttpContext context, int status, string title, string detail)
    {
        context.Response.StatusCode = status;
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }
}
