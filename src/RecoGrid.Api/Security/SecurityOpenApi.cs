using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace RecoGrid.Api.Security;

/// <summary>Declares the security schemes in the OpenAPI document and, on each operation, the scope it needs.</summary>
public static class SecurityOpenApi
{
    public const string ApiKeyScheme = "ApiKey";
    public const string BearerScheme = "Bearer";

    public static void Configure(OpenApiOptions options, AuthMode mode)
    {
        if (mode == AuthMode.None)
        {
            return;
        }

        options.AddDocumentTransformer((document, _, _) =>
        {
            document.Components ??= new OpenApiComponents();
            document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
            document.Components.SecuritySchemes[ApiKeyScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = ApiKeyFormat.Header,
                Description = $"An API key (`recogrid keys create`); its scopes ({string.Join(", ", Scopes.All)}) decide which endpoints it may call.",
            };
            if (mode == AuthMode.Jwt)
            {
                document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    BearerFormat = "JWT",
                    Description = "A JWT from the configured authority; its `scope` claim carries the scopes.",
                };
            }

            return Task.CompletedTask;
        });

        options.AddOperationTransformer((operation, context, _) =>
        {
            var policy = context.Description.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>().LastOrDefault()?.Policy;
            if (policy is null)
            {
                return Task.CompletedTask;
            }

            var scopes = policy == ScopePolicies.CatalogRead ? [Scopes.RecommendationsRead, Scopes.CatalogWrite] : new List<string> { policy };
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, context.Document)] = scopes });
            if (mode == AuthMode.Jwt)
            {
                operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, context.Document)] = scopes });
            }

            operation.Description = $"{operation.Description}{(string.IsNullOrEmpty(operation.Description) ? "" : " ")}Needs the scope {string.Join(" or ", scopes)} (or admin).".TrimStart();
            operation.Responses ??= new OpenApiResponses();
            operation.Responses.TryAdd("401", new OpenApiResponse { Description = "No valid API key or token (problem+json)." });
            operation.Responses.TryAdd("403", new OpenApiResponse { Description = "The key lacks the scope (problem+json)." });
            operation.Responses.TryAdd("429", new OpenApiResponse { Description = "Rate limited; see Retry-After (problem+json)." });
            return Task.CompletedTask;
        });
    }
}
