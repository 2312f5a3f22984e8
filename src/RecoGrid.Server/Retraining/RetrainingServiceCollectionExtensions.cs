using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RecoGrid.Grains;
using RecoGrid.Server.Configuration;
using RecoGrid.Server.Hosting;
using RecoGrid.Storage.Azure.Models;
using RecoGrid.Storage.Azure.Training;
using RecoGrid.Storage.Models;
using RecoGrid.Storage.Training;
using RecoGrid.Training.Cluster;

namespace RecoGrid.Server.Retraining;

/// <summary>Wires distributed training and scheduled retraining into a node.</summary>
public static class RetrainingServiceCollectionExtensions
{
    /// <summary>
    /// Adds the distributed iALS job with its block store on the backend <c>TrainingBlocks:Provider</c> names (files
    /// under <c>{data}/training/blocks</c>, or blobs so training silos on different machines share blocks), the reminder
    /// table (files under <c>{data}/reminders</c>, or Azure Table with <c>Storage:Provider=azure</c>), the retraining
    /// runner, its history and, on training nodes, the schedule.
    /// </summary>
    public static IServiceCollection AddRecoGridRetraining(this IServiceCollection services, NodeOptions node, IConfiguration configuration)
    {
        services.AddStoreProviderOptions(AzureTrainingBlockStoreOptions.SectionName);
        services.AddKnownSettings(AzureTrainingBlockStoreOptions.SectionName, typeof(StoreProviderOptions), typeof(AzureTrainingBlockStoreOptions));
        var blocks = configuration.GetSection(AzureTrainingBlockStoreOptions.SectionName).Get<StoreProviderOptions>()?.Provider;
        if (NodeStorageOptions.IsAzureProvider(blocks))
        {
            services.AddValidatedOptions<AzureTrainingBlockStoreOptions, AzureTrainingBlockStoreOptionsValidator>(AzureTrainingBlockStoreOptions.SectionName);
            services.AddSingleton<ITrainingBlockStore>(sp => new AzureTrainingBlockStore(sp.GetRequiredService<IOptions<AzureTrainingBlockStoreOptions>>().Value));
        }

        services.AddRecoGridClusterTraining(Path.Combine(node.DataDir, "training", "blocks"));
        services.AddValidatedOptions<RetrainingOptions, RetrainingOptionsValidator>(RetrainingOptions.Section);
        services.AddKnownSettings(RetrainingOptions.Section, typeof(RetrainingOptions), typeof(ClusterTrainingOptions));
        services.AddReminders();
        var storage = configuration.GetSection(NodeStorageOptions.Section).Get<NodeStorageOptions>() ?? new NodeStorageOptions();
        if (storage.IsAzure)
        {
            // One reminder table for the cluster (rows are keyed by the service id), beside the membership table.
            services.UseAzureTableReminderService(reminders =>
            {
                if (NodeClustering.StorageTableClient(storage) is { } client)
                {
                    reminders.TableServiceClient = client;
                }
            });
        }
        else
        {
            services.AddSingleton<IReminderTable>(new FileReminderTable(Path.Combine(node.DataDir, "reminders")));
        }

        // Reminders tick no faster than Orleans' minimum period; the schedule's check interval may ask for a faster one.
        services.AddOptions<ReminderOptions>().Configure<IOptions<RetrainingOptions>>((reminders, retraining) =>
        {
            if (retraining.Value.ScheduleCheckInterval > TimeSpan.Zero && retraining.Value.ScheduleCheckInterval < reminders.MinimumReminderPeriod)
            {
                reminders.MinimumReminderPeriod = retraining.Value.ScheduleCheckInterval;
            }
        });
        // The history lives beside the model registry, so every node of a cluster on Azure reads the same runs.
        services.AddSingleton(sp => sp.GetRequiredService<IModelRegistry>() is AzureModelRegistry azure
            ? new BlobRetrainingHistory(azure.Container)
            : RetrainingHistory.ForDataDir(node.DataDir));
        services.AddSingleton<RetrainingRunner>();
        services.AddSingleton<RetrainingService>();
        if (node.Role.HostsTraining)
        {
            services.AddHostedService<RetrainingScheduleStartup>();
        }

        return services;
    }
}

/// <summary>Registers (or removes) the schedule's reminder once the silo runs, so a changed schedule takes effect on restart.</summary>
internal sealed partial class RetrainingScheduleStartup(IGrainFactory grains, ILogger<RetrainingScheduleStartup> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await grains.GetGrain<IRetrainingGrain>(IRetrainingGrain.Key).EnsureSchedule();
                return;
            }
            catch (Exception exception) when (exception is not OperationCanceledException && attempt < 30)
            {
                LogRetry(exception, attempt);
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Registering the retraining schedule failed (attempt {Attempt}); retrying.")]
    private partial void LogRetry(Exception exception, int attempt);
}
