using RecoGrid.Api;
using RecoGrid.Api.Security;
using RecoGrid.Grains.Scoring;
using RecoGrid.Server;
using RecoGrid.Server.Configuration;
using RecoGrid.ServiceDefaults;

namespace RecoGrid.Cli.Hosting;

/// <summary>What `recogrid serve` was asked to do.</summary>
public sealed record ServeSettings
{
    public const string DefaultUrls = "http://127.0.0.1:5080";

    /// <summary>Addresses the HTTP API listens on (semicolon-separated).</summary>
    public string Urls { get; init; } = DefaultUrls;

    /// <summary>Folder for grain state and models on the embedded single-node default.</summary>
    public string DataDir { get; init; } = NodeOptions.DefaultDataDir;

    /// <summary>What this node does.</summary>
    public NodeRole Role { get; init; } = NodeRole.All;

    /// <summary>An extra JSON configuration file, layered over appsettings.json.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>Configuration overrides (key → value), applied last; used by tests and `--set`.</summary>
    public IReadOnlyDictionary<string, string?> Overrides { get; init; } = new Dictionary<string, string?>();
}

/// <summary>Composes a node for `recogrid serve`: ServiceDefaults + the node runtime + the HTTP API.</summary>
public static class ServeHost
{
    public static WebApplication Build(ServeSettings settings)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });
        if (settings.ConfigFile is { } configFile)
        {
            builder.Configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false);
        }

        builder.Configuration.AddEnvironmentVariables(prefix: "RECOGRID__");
        builder.Configuration.AddInMemoryCollection(settings.Overrides);
        builder.WebHost.UseUrls(settings.Urls);

        builder.AddServiceDefaults();
        builder.Services.AddKnownSettings(TelemetryOptions.Section, typeof(TelemetryOptions));
        var telemetry = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        builder.AddRecoGridNode(new NodeOptions { Role = settings.Role, DataDir = settings.DataDir, Telemetry = telemetry.Enabled });
        builder.Services.AddRecoGridApi();

        var app = builder.Build();
        app.UseRequestLogging();
        app.MapDefaultEndpoints(metricsPolicy: Scopes.Admin);
        app.MapRecoGridApi(settings.Role);
        return app;
    }
}
