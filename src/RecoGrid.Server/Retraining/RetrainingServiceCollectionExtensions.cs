using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RecoGrid.Grains;
using RecoGrid.Server.Configuration;
using RecoGrid.Server.Hosting;
using RecoGrid.Training.Cluster;

namespace RecoGrid.Server.Retraining;

/// <summary>Wires distributed training and scheduled retraining into a node.</summary>
public static class RetrainingServiceCollectionExtensions
{
    /// <summary>
    /// Adds the distributed iALS job (block store under <c>{data}/training/blocks</c>), the file-backed reminder table
    /// under <c>{data}/reminders</c>, the retraining runner, its history and, on training nodes, the schedule.
    /// </summary>
    public static IServiceCollection AddRecoGridRetraining(this IServiceCollection services, NodeOptions node)
    {
        services.AddRecoGridClusterTraining(Path.Combine(node.DataDir, "training", "blocks"));
        services.AddValidatedOptions<RetrainingOptions, RetrainingOptionsValidator>(RetrainingOptions.Section);
        services.AddKnownSettings(RetrainingOptions.Section, typeof(RetrainingOptions), typeof(ClusterTrainingOptions));
        services.AddReminders();
        services.AddSingleton<IReminderTable>(new FileReminderTable(Path.Combine(node.DataDir, "reminders")));

        // Reminders tick no faster than Orleans' minimum period; the schedule's check interval may ask for a faster one.
        services.AddOptions<ReminderOptions>().Configure<IOptions<RetrainingOptions>>((reminders, retraining) =>
        {
            if (retraining.Value.ScheduleCheckInterval > TimeSpan.Zero && retraining.Value.ScheduleCheckInterval < reminders.MinimumReminderPeriod)
            {
                reminders.MinimumReminderPeriod = retraining.Value.ScheduleCheckInterval;
            }
        });
        services.AddSingleton(RetrainingHistory.ForDataDir(node.DataDir));
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
