using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace RecoGrid.ServiceDefaults;

/// <summary>
/// OpenTelemetry for a RecoGrid process: metrics of ASP.NET Core, HttpClient, the .NET runtime, Orleans and every
/// RecoGrid meter (<c>RecoGrid.*</c>), served at <c>/metrics</c> in Prometheus format and pushed over OTLP when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set; traces of ASP.NET Core, HttpClient and Orleans grain calls, and logs,
/// over OTLP only (nothing is traced without an endpoint to send it to).
/// </summary>
public static class Telemetry
{
    /// <summary>The prefix of RecoGrid's meters and activity sources: each project has one meter named after it.</summary>
    public const string RecoGridPrefix = "RecoGrid.";

    /// <summary>Orleans' meter.</summary>
    public const string OrleansMeter = "Microsoft.Orleans";

    /// <summary>Orleans' activity sources for grain calls (application grains and runtime calls).</summary>
    public static readonly string[] OrleansSources = ["Microsoft.Orleans.Application", "Microsoft.Orleans.Runtime"];

    /// <summary>The environment variable that turns OTLP export on (standard OpenTelemetry name).</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Whether <paramref name="configuration"/> names an OTLP endpoint.</summary>
    public static bool OtlpConfigured(IConfiguration configuration) => !string.IsNullOrWhiteSpace(configuration[OtlpEndpointVariable]);

    internal static void Add(IHostApplicationBuilder builder, TelemetryOptions options)
    {
        var otlp = OtlpConfigured(builder.Configuration);
        var telemetry = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("recogrid", serviceInstanceId: Environment.MachineName + ":" + Environment.ProcessId))
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddMeter(OrleansMeter)
                    .AddMeter(RecoGridPrefix + "*")
                    .AddPrometheusExporter();
                if (otlp)
                {
                    metrics.AddOtlpExporter();
                }
            });

        if (!otlp)
        {
            return;
        }

        telemetry.WithTracing(tracing => tracing
            .SetSampler(new ParentBasedSampler(new TraceIdRatioBasedSampler(options.TraceSampleRatio)))
            .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = context => !IsProbe(context.Request.Path))
            .AddHttpClientInstrumentation()
            .AddSource(OrleansSources)
            .AddSource(RecoGridPrefix + "*")
            .AddProcessor(new IdScrubbingProcessor())
            .AddOtlpExporter());
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.AddOtlpExporter();
        });
    }

    /// <summary>Maps <c>/metrics</c> (Prometheus text format), requiring <paramref name="policy"/> when given.</summary>
    internal static void MapMetrics(IEndpointRouteBuilder app, string? policy)
    {
        var endpoint = app.MapPrometheusScrapingEndpoint("/metrics");
        if (policy is not null)
        {
            endpoint.RequireAuthorization(policy);
        }
    }

    private static bool IsProbe(Microsoft.AspNetCore.Http.PathString path) =>
        path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz") || path.StartsWithSegments("/metrics");
}
