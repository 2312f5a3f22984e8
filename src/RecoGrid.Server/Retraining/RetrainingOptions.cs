using Cronos;
using Microsoft.Extensions.Options;

namespace RecoGrid.Server.Retraining;

/// <summary>Scheduled retraining from the interaction log (section <c>Training</c>).</summary>
public sealed class RetrainingOptions
{
    public const string Section = "Training";

    /// <summary>Cron schedule in UTC (5 fields, e.g. <c>0 3 * * *</c>, or 6 with seconds first); empty: only on demand.</summary>
    public string? Schedule { get; set; }

    /// <summary>How often the schedule's reminder checks whether a run is due (Orleans reminders tick at a fixed period).</summary>
    public TimeSpan ScheduleCheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Re-tune the hyper-parameters every this many runs, the first run included; 0 never tunes.</summary>
    public int TuneEvery { get; set; } = 10;

    /// <summary>Configurations a tune evaluates (the best so far is always the first).</summary>
    public int TuneTrials { get; set; } = 8;

    /// <summary>The metric tuning maximizes and the gate compares, e.g. <c>ndcg@100</c> or <c>recall@20</c> (K one of 20, 50, 100).</summary>
    public string Metric { get; set; } = "ndcg@100";

    /// <summary>The new model is promoted unless its metric is below the serving model's by more than this fraction of it.</summary>
    public double GateTolerance { get; set; } = 0.01;

    /// <summary>Share of users held out of training and scored, for both the new and the serving model.</summary>
    public double HoldoutFraction { get; set; } = 0.1;

    /// <summary>Latent dimension until a tune chooses one.</summary>
    public int Factors { get; set; } = 64;

    /// <summary>Iterations of every training run.</summary>
    public int Iterations { get; set; } = 15;

    /// <summary>Seed of the initialization, the held-out users and the tuner.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>
    /// Times a run lost with the node that ran it is started again from its snapshot on another node (the next call or
    /// schedule check activates it there); 0 records such a run as failed at once.
    /// </summary>
    public int MaxRestarts { get; set; } = 2;

    /// <summary>The cron expression, or null when there is no schedule.</summary>
    public CronExpression? ParseSchedule() =>
        string.IsNullOrWhiteSpace(Schedule)
            ? null
            : CronExpression.Parse(Schedule.Trim(), Schedule.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard);

    /// <summary>The K of <see cref="Metric"/>.</summary>
    public int MetricK => int.Parse(Metric.AsSpan(Metric.IndexOf('@', StringComparison.Ordinal) + 1), System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>Validates <see cref="RetrainingOptions"/>; messages name the setting.</summary>
public sealed class RetrainingOptionsValidator : IValidateOptions<RetrainingOptions>
{
    private static readonly string[] Metrics = ["recall", "ndcg", "map", "hitrate"];

    public ValidateOptionsResult Validate(string? name, RetrainingOptions options)
    {
        var failures = new List<string>();
        try
        {
            options.ParseSchedule();
        }
        catch (CronFormatException e)
        {
            failures.Add($"Training:Schedule '{options.Schedule}' is not a cron expression ({e.Message}); e.g. '0 3 * * *' for 03:00 UTC every day.");
        }

        if (options.ScheduleCheckInterval <= TimeSpan.Zero)
        {
            failures.Add($"Training:ScheduleCheckInterval must be positive (was {options.ScheduleCheckInterval}).");
        }

        if (options.TuneEvery < 0)
        {
            failures.Add($"Training:TuneEvery must be 0 (never) or more (was {options.TuneEvery}).");
        }

        if (options.MaxRestarts < 0)
        {
            failures.Add($"Training:MaxRestarts must be 0 (never restart a lost run) or more (was {options.MaxRestarts}).");
        }

        if (options.TuneTrials < 1)
        {
            failures.Add($"Training:TuneTrials must be at least 1 (was {options.TuneTrials}).");
        }

        var parts = options.Metric.Split('@');
        if (parts.Length != 2 || !Metrics.Contains(parts[0]) || parts[1] is not ("20" or "50" or "100"))
        {
            failures.Add($"Training:Metric '{options.Metric}' must be one of {string.Join(", ", Metrics)} at 20, 50 or 100, e.g. 'ndcg@100'.");
        }

        if (!(options.GateTolerance >= 0 && options.GateTolerance < 1))
        {
            failures.Add($"Training:GateTolerance must be a fraction in [0, 1) (was {options.GateTolerance}).");
        }

        if (!(options.HoldoutFraction > 0 && options.HoldoutFraction < 1))
        {
            failures.Add($"Training:HoldoutFraction must be in (0, 1) (was {options.HoldoutFraction}).");
        }

        if (options.Factors is < 1 or > 1024)
        {
            failures.Add($"Training:Factors must be between 1 and 1024 (was {options.Factors}).");
        }

        if (options.Iterations is < 1 or > 1000)
        {
            failures.Add($"Training:Iterations must be between 1 and 1000 (was {options.Iterations}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
