using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using RecoGrid.Cli.Hosting;

namespace RecoGrid.Cli.Api;

/// <summary>Wires the HTTP API: options, problem details, OpenAPI, routes.</summary>
public static class ApiRegistration
{
    public static IServiceCollection AddRecoGridApi(this IServiceCollection services)
    {
        services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section).ValidateOnStart();
        services.AddOptions<EventOptions>().BindConfiguration(EventOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ApiOptions>, ApiOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<EventOptions>, ApiOptionsValidator>());
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<ApiOptions>>((kestrel, api) =>
            kestrel.Limits.MaxRequestBodySize = api.Value.MaxRequestBodyBytes);
        services.AddProblemDetails();
        services.AddOpenApi();
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never);
        return services;
    }

    public static WebApplication MapRecoGridApi(this WebApplication app, string role)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.MapOpenApi();
        app.MapHealthApi();
        if (NodeRoles.ServesApi(role))
        {
            var v1 = app.MapGroup("/v1").WithTags("RecoGrid v1");
            v1.MapEventsApi();
            v1.MapUsersApi();
            v1.MapItemsApi();
            v1.MapModelsApi();
        }

        return app;
    }
}
