using Microsoft.Extensions.Options;

namespace RecoGrid.Training.Cluster;

/// <summary>How the distributed iALS job is cut and run (section <c>Training</c>).</summary>
public sealed class ClusterTrainingOptions
{
    public const string Section = "Training";

    /// <summary>Blocks per side (users and items). Fixed per job, so the Gram sums, and so the results, do not depend on the number of silos.</summary>
    public int Blocks { get; set; } = 8;

    /// <summary>Threads a silo's block solve uses (a silo solves one block at a time); 0 is the processor count.</summary>
    public int WorkerThreads { get; set; }

    /// <summary>
    /// How long the coordinator waits for one block's solve before solving it again (possibly elsewhere): a call to a
    /// silo that died is otherwise only failed once the membership declares the silo dead.
    /// </summary>
    public TimeSpan BlockTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How often a waiting caller asks the coordinator for progress.</summary>
    public TimeSpan ProgressInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>The worker threads in effect.</summary>
    public int EffectiveWorkerThreads => WorkerThreads > 0 ? WorkerThreads : Environment.ProcessorCount;
}

/// <summary>Validates <see cref="ClusterTrainingOptions"/>; messages name the setting.</summary>
public sealed class ClusterTrainingOptionsValidator : IValidateOptions<ClusterTrainingOptions>
{
    public ValidateOptionsResult Validate(string? name, ClusterTrainingOptions options)
    {
        var failures = new List<string>();
        if (options.Blocks is < 1 or > 4096)
        {
            failures.Add($"Training:Blocks must be between 1 and 4096 (was {options.Blocks}).");
        }

        if (options.WorkerThreads < 0)
        {
            failures.Add($"Training:WorkerThreads must be 0 (the processor count) or more (was {options.WorkerThreads}).");
        }

        if (options.BlockTimeout <= TimeSpan.Zero)
        {
            failures.Add($"Training:BlockTimeout must be positive (was {options.BlockTimeout}).");
        }

        if (options.ProgressInterval <= TimeSpan.Zero)
        {
            failures.Add($"Training:ProgressInterval must be positive (was {options.ProgressInterval}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
