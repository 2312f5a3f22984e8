using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Orleans.Dashboard;
using RecoGrid.Api.Console;
using RecoGrid.Api.Security;
using RecoGrid.Grains;
using RecoGrid.Grains.Scoring;
using RecoGrid.Server.Configuration;
using RecoGrid.Server.Events;
using RecoGrid.Server.Telemetry;

namespace RecoGrid.Api;

/// <summary>Wires the HTTP API: options, security, problem details, OpenAPI, routes.</summary>
public static class ApiRegistration
{
    /// <summary>Where the Orleans Dashboard is served when enabled.</summary>
    public const string DashboardPath = "/dashboard";

    public static IServiceCollection AddRecoGridApi(this IServiceCollection services)
    {
        if (!Ids.NormalizationAvailable)
        {
            throw new InvalidOperationException(
                "Unicode normalization is unavailable: .NET runs in invariant globalization mode, but RecoGrid stores ids in NFC form. " +
                "Install ICU (libicu) and unset DOTNET_SYSTEM_GLOBALIZATION_INVARIANT.");
        }

        services.AddValidatedOptions<ApiOptions, ApiOptionsValidator>(ApiOptions.Section);
        services.AddKnownSettings(ApiOptions.Section, typeof(ApiOptions));
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<ApiOptions>>((kestrel, api) =>
            kestrel.Limits.MaxRequestBodySize = api.Value.MaxRequestBodyBytes);
        services.AddProblemDetails();
        services.AddExceptionHandler<UnavailableExceptionHandler>();
        services.AddOpenApi();
        services.AddRecoGridSecurity();
        services.AddSingleton<ModelImportFolder>();
        services.ConfigureHttpJsonOptions(options => options.SerializerOptions.DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.Never);
        return services;
    }

    /// <summary>
    /// Maps the OpenAPI document, the Orleans Dashboard at <c>/dashboard</c> when <c>Dashboard:Enabled</c> (admin scope) and,
    /// on nodes with an API role, the /v1 endpoint groups and the web console at <c>/console</c>.
    /// </summary>
    public static WebApplication MapRecoGridApi(this WebApplication app, NodeRole role)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseRecoGridSecurity();
        app.MapOpenApi();
        if (app.Configuration.GetSection(DashboardSettings.Section).Get<DashboardSettings>() is { Enabled: true })
        {
            app.MapOrleansDashboard(DashboardPath).RequireAuthorization(Scopes.Admin).ExcludeFromDescription();
        }

        if (role.ServesApi)
        {
            // Every /v1 endpoint gets its scope policy here, by path and method (see ScopePolicies).
            var v1 = app.MapGroup("/v1").WithTags("RecoGrid v1");
            ((IEndpointConventionBuilder)v1).Add(ScopePolicies.Apply);
            v1.MapEventsApi();
            v1.MapUsersApi();
            v1.MapItemsApi();
            v1.MapModelsApi();
            v1.MapKeysApi();
            v1.MapRetrainingApi();
            v1.MapExperimentsApi();
            v1.MapClusterApi();
            app.MapConsole();
        }

        return app;
    }
}
