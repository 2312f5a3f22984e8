using Orleans.Runtime.MembershipService.SiloMetadata;
using RecoGrid.Abstractions;
using RecoGrid.Cli.Api;
using RecoGrid.Grains;
using RecoGrid.Grains.Scoring;
using RecoGrid.Storage.FileSystem;

namespace RecoGrid.Cli.Hosting;

/// <summary>Builds the RecoGrid node: an Orleans silo and, for API roles, the HTTP API in the same process.</summary>
public static class RecoGridHost
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

        // Durable writes block a thread in fsync; keep enough threads that they don't starve request handling.
        var ioThreads = builder.Configuration.GetValue("Storage:IoThreads", 64);
        ThreadPool.GetMinThreads(out var workers, out var completion);
        ThreadPool.SetMinThreads(Math.Max(workers, ioThreads), Math.Max(completion, ioThreads));

        var dataDir = Path.GetFullPath(settings.DataDir);
        Directory.CreateDirectory(dataDir);
        builder.Services.AddSingleton(new NodeInfo(settings.Role, dataDir));

        var orleans = builder.Configuration.GetSection(OrleansSettings.Section).Get<OrleansSettings>() ?? new OrleansSettings();
        builder.UseOrleans(silo =>
        {
            var primary = orleans.PrimarySiloPort == 0 ? null : new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, orleans.PrimarySiloPort);
            silo.UseLocalhostClustering(orleans.SiloPort, orleans.GatewayPort, primary, serviceId: orleans.ServiceId, clusterId: orleans.ClusterId);
            silo.UseSiloMetadata(new Dictionary<string, string> { [SiloRoles.MetadataKey] = settings.Role });
            var grainsDir = Path.Combine(dataDir, "grains");
            foreach (var storage in new[] { StorageNames.Users, StorageNames.Catalog, StorageNames.Popularity })
            {
                silo.AddFileGrainStorage(storage, options =>
                {
                    options.RootDirectory = grainsDir;
                    options.FlushToDisk = builder.Configuration.GetValue("Storage:FlushToDisk", true);
                });
            }
        });
        builder.Services.AddRecoGridGrains();
        builder.Services.AddRecoGridModels(settings.Role, dataDir);
        builder.Services.AddRecoGridApi();

        var app = builder.Build();
        app.MapRecoGridApi(settings.Role);
        return app;
    }
}

/// <summary>What this node is: its role and its data folder.</summary>
public sealed record NodeInfo(string Role, string DataDir);
