using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using RecoGrid.Grains;
using RecoGrid.Grains.Scoring;
using RecoGrid.Server.Configuration;

namespace RecoGrid.Api;

/// <summary>Wires the HTTP API: options, problem details, OpenAPI, routes.</summary>
public static class ApiRegistration
{
    public static IServiceCollection AddRecoGridApi(this IServiceCollection services)
    {
        services.AddValidatedOptions<ApiOptions, ApiOptionsValidator>(ApiOptions.Section);
        services.AddKnownSettings(ApiOptions.Section, typeof(ApiOptions));
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<ApiOptions>>((kestrel, api) =>
            kestrel.Limits.MaxRequestBodySize = api.Value.MaxRequestBodyBytes);
        services.AddProblemDetails();
        services.AddExceptionHandler<UnavailableExceptionHandler>();
        services.AddOpenApi();
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never);
        return services;
    }

    /// <summary>Maps the OpenAPI document and, on nodes with an API role, the /v1 endpoint groups.</summary>
    public static WebApplication MapRecoGridApi(this WebApplication app, NodeRole role)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapOpenApi();
        if (role.ServesApi)
        {
            var v1 = app.MapGroup("/v1").WithTags("RecoGrid v1");
            v1.MapEventsApi();
            v1.MapUsersApi();
            v1.MapItemsApi();
            v1.MapModelsApi();
            v1.MapRetrainingApi();
        }

        return app;
    }
}
