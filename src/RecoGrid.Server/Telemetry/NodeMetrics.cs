using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using RecoGrid.Server.Models;

namespace RecoGrid.Server.Telemetry;

/// <summary>The node meter (<c>RecoGrid.Server</c>): the model version this node serves (1 for that version).</summary>
public sealed class NodeMetrics : IHostedService
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "RecoGrid.Server";

    public NodeMetrics(IMeterFactory meters, ActiveModelHolder active, NodeOptions node)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge(
            "recogrid.model.served",
            () => active.Version is { } version
                ? [new Measurement<int>(1, new KeyValuePair<string, object?>("model.version", version), new KeyValuePair<string, object?>("node.role", node.Role.Name))]
                : Array.Empty<Measurement<int>>(),
            "{model}",
            "1 for the model version this node serves (none before the first promotion).");
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
