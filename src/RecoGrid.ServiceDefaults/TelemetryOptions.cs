using Microsoft.Extensions.Options;

namespace RecoGrid.ServiceDefaults;

/// <summary>Telemetry of a process: metrics, traces and request logs (section <c>Telemetry</c>).</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>
    /// Metrics (<c>/metrics</c>, OTLP), traces (OTLP) and request logs; false turns all of them off (to measure their cost,
    /// or on a node that nobody watches).
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>The share of requests traced (0..1) when traces are exported (<c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set).</summary>
    public double TraceSampleRatio { get; set; } = 1.0;
}

/// <summary>Checks <see cref="TelemetryOptions"/>.</summary>
public sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions options) =>
        options.TraceSampleRatio is >= 0 and <= 1
            ? ValidateOptionsResult.Success
            : ValidateOptionsResult.Fail($"Telemetry:TraceSampleRatio must be between 0 and 1 (got {options.TraceSampleRatio}).");
}
