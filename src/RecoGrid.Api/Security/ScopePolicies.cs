using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Routing.Patterns;

namespace RecoGrid.Api.Security;

/// <summary>A requirement met by a principal holding any of <see cref="AnyOf"/> (or <c>admin</c>).</summary>
public sealed class ScopeRequirement(string name, IReadOnlyList<string> anyOf) : IAuthorizationRequirement
{
    /// <summary>The policy's name, as the 403 answer names it.</summary>
    public string Name { get; } = name;

    public IReadOnlyList<string> AnyOf { get; } = anyOf;
}

/// <summary>Meets <see cref="ScopeRequirement"/>s from the principal's scope claims.</summary>
public sealed class ScopeRequirementHandler : AuthorizationHandler<ScopeRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, ScopeRequirement requirement)
    {
        if (context.User.Identity?.IsAuthenticated == true)
        {
            var scopes = Scopes.Of(context.User);
            if (scopes.Contains(Scopes.Admin) || requirement.AnyOf.Any(scopes.Contains))
            {
                context.Succeed(requirement);
            }
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// The authorization policy of every /v1 endpoint, decided in one place from its path and method, so an endpoint
/// added later is covered too (anything not listed needs <c>admin</c>):
/// POST /v1/events → events:write; GET /v1/users/... → recommendations:read; DELETE /v1/users/{id} → admin;
/// GET /v1/items/... → recommendations:read or catalog:write; other /v1/items writes → catalog:write;
/// /v1/admin/... → admin.
/// </summary>
public static class ScopePolicies
{
    /// <summary>The policy for reading items: recommendations:read or catalog:write.</summary>
    public const string CatalogRead = "catalog:read";

    /// <summary>Registers one policy per scope; with <see cref="AuthMode.None"/> each policy lets everyone through.</summary>
    public static void AddPolicies(AuthorizationOptions options, AuthMode mode)
    {
        Add(Scopes.EventsWrite, Scopes.EventsWrite);
        Add(Scopes.RecommendationsRead, Scopes.RecommendationsRead);
        Add(Scopes.CatalogWrite, Scopes.CatalogWrite);
        Add(Scopes.Admin, Scopes.Admin);
        Add(CatalogRead, Scopes.RecommendationsRead, Scopes.CatalogWrite);

        void Add(string name, params string[] anyOf) => options.AddPolicy(name, policy =>
        {
            if (mode == AuthMode.None)
            {
                policy.RequireAssertion(_ => true);
            }
            else
            {
                policy.AddRequirements(new ScopeRequirement(name, anyOf));
            }
        });
    }

    /// <summary>The policy an endpoint needs.</summary>
    public static string PolicyFor(string method, string routePattern)
    {
        var path = routePattern.TrimEnd('/');
        if (Under(path, "/v1/admin"))
        {
            return Scopes.Admin;
        }

        if (Under(path, "/v1/events"))
        {
            return method == HttpMethods.Post ? Scopes.EventsWrite : Scopes.Admin;
        }

        if (Under(path, "/v1/users"))
        {
            return method == HttpMethods.Get ? Scopes.RecommendationsRead : Scopes.Admin;
        }

        if (Under(path, "/v1/items"))
        {
            return method == HttpMethods.Get ? CatalogRead : Scopes.CatalogWrite;
        }

        return Scopes.Admin;
    }

    /// <summary>
    /// The group convention that gives each endpoint its policy; admin POSTs also get the JSON content-type check, and
    /// model registration (which may export a large model) is exempt from the request timeout.
    /// </summary>
    public static void Apply(EndpointBuilder endpoint)
    {
        if (endpoint is not RouteEndpointBuilder route)
        {
            return;
        }

        var pattern = route.RoutePattern.RawText ?? RoutePatternText(route.RoutePattern);
        var methods = endpoint.Metadata.OfType<IHttpMethodMetadata>().LastOrDefault()?.HttpMethods ?? [];
        var method = methods.Count == 1 ? methods[0] : HttpMethods.Post;
        var policy = PolicyFor(method, pattern);
        endpoint.Metadata.Add(new AuthorizeAttribute(policy));
        if (policy == Scopes.Admin && methods.Contains(HttpMethods.Post))
        {
            endpoint.FilterFactories.Add((_, next) => JsonContentType.RequireAsync(next));
        }

        if (method == HttpMethods.Post && pattern.TrimEnd('/') == "/v1/admin/models")
        {
            endpoint.Metadata.Add(new DisableRequestTimeoutAttribute());
        }
    }

    private static bool Under(string path, string prefix) =>
        path.StartsWith(prefix, StringComparison.OrdinalIgnoreCase) && (path.Length == prefix.Length || path[prefix.Length] is '/' or ':');

    private static string RoutePatternText(RoutePattern pattern) =>
        "/" + string.Join('/', pattern.PathSegments.Select(s => string.Concat(s.Parts.Select(p => p switch
        {
            RoutePatternLiteralPart literal => literal.Content,
            RoutePatternParameterPart parameter => "{" + parameter.Name + "}",
            RoutePatternSeparatorPart separator => separator.Content,
            _ => "",
        }))));
}
