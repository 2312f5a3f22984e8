using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using RecoGrid.Server.Configuration;
using RecoGrid.Storage.Log;
using RecoGrid.Storage.Models;

namespace RecoGrid.Server.Telemetry;

/// <summary>
/// One information line once the node listens: its role, data folder, storage and clustering providers, the promoted
/// model and its URLs, so the log says where the state lives and what serves.
/// </summary>
public sealed partial class StartupSummary(
    NodeOptions node,
    IConfiguration configuration,
    IModelRegistry registry,
    IInteractionLogStore log,
    IServer server,
    IHostApplicationLifetime lifetime,
    ILogger<StartupSummary> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStarted.Register(() => _ = LogAsync());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task LogAsync()
    {
        string model;
        try
        {
            model = (await registry.GetAsync(CancellationToken.None)).Active ?? "none promoted (popularity until one is)";
        }
        catch (Exception exception)
        {
            model = "registry unreadable: " + exception.GetType().Name;
        }

        var urls = server.Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
        var otlp = configuration["OTEL_EXPORTER_OTLP_ENDPOINT"];
        LogSummary(
            node.Role.Name,
            node.DataDir,
            GrainStorage(),
            log.GetType().Name.Replace("InteractionLogStore", "", StringComparison.Ordinal),
            Clustering(),
            model,
            string.Join(", ", urls),
            node.Telemetry ? "/metrics" + (string.IsNullOrWhiteSpace(otlp) ? "" : ", OTLP") : "off");
    }

    // "File" when every store uses the same provider, else "users=File, catalog=AzureTableStorage, ...".
    private string GrainStorage()
    {
        var providers = NodeConfigurationDefaults.GrainStores
            .Select(store => (Store: store, Provider: configuration[$"Orleans:GrainStorage:{store}:ProviderType"] ?? "?"))
            .ToList();
        return providers.Select(p => p.Provider).Distinct(StringComparer.Ordinal).Count() == 1
            ? providers[0].Provider
            : string.Join(", ", providers.Select(p => $"{p.Store}={p.Provider}"));
    }

    private string Clustering() =>
        configuration["Orleans:Clustering:ProviderType"] is { Length: > 0 } provider
            ? provider
            : configuration["Orleans:PrimarySiloPort"] is { Length: > 0 } primary && primary != "0"
                ? $"Localhost (development; joins the primary silo on port {primary})"
                : "Localhost (development; this node is the primary)";

    [LoggerMessage(Level = LogLevel.Information, Message = "RecoGrid node started: role {Role}, data folder {DataDir}, grain storage {GrainStorage}, interaction log {LogProvider}, clustering {Clustering}, model {ModelVersion}, listening on {Urls}, telemetry {Telemetry}.")]
    private partial void LogSummary(string role, string dataDir, string grainStorage, string logProvider, string clustering, string modelVersion, string urls, string telemetry);
}
