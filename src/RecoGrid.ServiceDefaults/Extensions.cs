using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace RecoGrid.ServiceDefaults;

/// <summary>
/// What every RecoGrid process shares, after eShop's ServiceDefaults: health endpoints on ASP.NET Core's health checks,
/// OpenTelemetry (<see cref="Telemetry"/>) and one request log line per request (<see cref="TelemetryOptions"/>).
/// </summary>
public static class Extensions
{
    /// <summary>The tag a health check carries when it must pass before the process takes traffic.</summary>
    public const string ReadyTag = "ready";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// Adds health checks (components add theirs, tagged <see cref="ReadyTag"/> when readiness depends on them) and, unless
    /// <c>Telemetry:Enabled</c> is false, OpenTelemetry metrics and (with an OTLP endpoint) traces and logs.
    /// </summary>
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks();
        builder.Services.AddProblemDetails();
        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>();
        var telemetry = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (telemetry.Enabled)
        {
            Telemetry.Add(builder, telemetry);
        }

        return builder;
    }

    /// <summary>
    /// The request log (one line per request, see <see cref="RequestLogMiddleware"/>) when telemetry is on. Call it first,
    /// so the line covers the whole pipeline.
    /// </summary>
    public static IApplicationBuilder UseRequestLogging(this IApplicationBuilder app)
    {
        if (app.ApplicationServices.GetRequiredService<IOptions<TelemetryOptions>>().Value.Enabled)
        {
            app.UseMiddleware<RequestLogMiddleware>();
        }

        return app;
    }

    /// <summary>
    /// Maps <c>/healthz</c> (liveness: the process answers; no check runs) and <c>/readyz</c> (every check tagged
    /// <see cref="ReadyTag"/>: 200 with the checks' data, or 503 problem+json naming what is not ready) and, when telemetry
    /// is on, <c>/metrics</c> in Prometheus format, behind the authorization policy <paramref name="metricsPolicy"/>.
    /// </summary>
    public static IEndpointRouteBuilder MapDefaultEndpoints(this IEndpointRouteBuilder app, string? metricsPolicy = null)
    {
        if (app.ServiceProvider.GetRequiredService<IOptions<TelemetryOptions>>().Value.Enabled)
        {
            Telemetry.MapMetrics(app, metricsPolicy);
        }

        app.MapHealthChecks("/healthz", new HealthCheckOptions
        {
            Predicate = _ => false,
            ResponseWriter = (context, _) => WriteJsonAsync(context, StatusCodes.Status200OK, new Dictionary<string, object> { ["status"] = "alive" }),
        })
            .WithDisplayName("Healthz");

        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(ReadyTag),
            ResultStatusCodes =
            {
                [HealthStatus.Healthy] = StatusCodes.Status200OK,
                [HealthStatus.Degraded] = StatusCodes.Status200OK,
                [HealthStatus.Unhealthy] = StatusCodes.Status503ServiceUnavailable,
            },
            ResponseWriter = WriteReadinessAsync,
        })
            .WithDisplayName("Readyz");
        return app;
    }

    private static Task WriteReadinessAsync(HttpContext context, HealthReport report)
    {
        if (report.Status == HealthStatus.Unhealthy)
        {
            var failures = report.Entries.Where(e => e.Value.Status == HealthStatus.Unhealthy).Select(e => e.Value.Description ?? e.Key);
            return Results.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Not ready.",
                detail: string.Join(" ", failures)).ExecuteAsync(context);
        }

        // Degraded still takes traffic (200); the reasons say what is missing, e.g. no scoring silo.
        var body = new Dictionary<string, object> { ["status"] = report.Status == HealthStatus.Degraded ? "degraded" : "ready" };
        if (report.Status == HealthStatus.Degraded)
        {
            body["degraded"] = report.Entries.Where(e => e.Value.Status == HealthStatus.Degraded).Select(e => e.Value.Description ?? e.Key).ToArray();
        }

        foreach (var (name, value) in report.Entries.SelectMany(e => e.Value.Data))
        {
            body[name] = value;
        }

        return WriteJsonAsync(context, StatusCodes.Status200OK, body);
    }

    private static Task WriteJsonAsync(HttpContext context, int status, Dictionary<string, object> body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(body, Json));
    }
}
