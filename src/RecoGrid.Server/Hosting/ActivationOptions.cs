using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using RecoGrid.Grains;
using RecoGrid.Grains.Users;
using RecoGrid.Server.Configuration;

namespace RecoGrid.Server.Hosting;

/// <summary>
/// When a silo lets idle grain activations go (section <c>Activations</c>), so its memory stays bounded however many
/// users pass through it: idle user grains after <see cref="UserCollectionAge"/>, every other grain after
/// <see cref="CollectionAge"/>, and, under memory pressure, the least recently used activations down to a target.
/// </summary>
public sealed class ActivationOptions
{
    public const string Section = "Activations";

    /// <summary>Idle time after which a grain other than a user grain is deactivated.</summary>
    public TimeSpan CollectionAge { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>Idle time after which a user grain is deactivated (its state is checkpointed; the log holds the rest).</summary>
    public TimeSpan UserCollectionAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often the silo looks for idle activations (Orleans' collection quantum).</summary>
    public TimeSpan CollectionInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Whether the silo deactivates activations, least recently used first, when memory passes <see cref="MemoryLimitPercent"/>.</summary>
    public bool ShedOnMemoryPressure { get; set; } = true;

    /// <summary>Memory use (percent of the memory available to the process: the GC heap hard limit, the container's limit or the machine's) at which shedding starts.</summary>
    public int MemoryLimitPercent { get; set; } = 80;

    /// <summary>Memory use (percent) shedding brings the silo back down to; below <see cref="MemoryLimitPercent"/>.</summary>
    public int MemoryTargetPercent { get; set; } = 70;

    /// <summary>How often memory use is sampled for shedding.</summary>
    public TimeSpan MemoryPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Grain locations a silo remembers (Orleans' directory cache, least recently used out; about 370 bytes each): every
    /// user who passes through leaves one behind after their grain is collected, so this bounds that memory too.
    /// </summary>
    public int DirectoryCacheSize { get; set; } = 100_000;

    /// <summary>Copies these settings onto Orleans' own collection options.</summary>
    public void ApplyTo(GrainCollectionOptions orleans)
    {
        ArgumentNullException.ThrowIfNull(orleans);
        orleans.CollectionAge = CollectionAge;
        orleans.CollectionQuantum = CollectionInterval;
        orleans.ClassSpecificCollectionAge[typeof(UserGrain).FullName!] = UserCollectionAge;
        orleans.EnableActivationSheddingOnMemoryPressure = ShedOnMemoryPressure;
        orleans.MemoryUsageLimitPercentage = MemoryLimitPercent;
        orleans.MemoryUsageTargetPercentage = MemoryTargetPercent;
        orleans.MemoryUsagePollingPeriod = MemoryPollInterval;
    }
}

/// <summary>Validates <see cref="ActivationOptions"/>; messages name the setting.</summary>
public sealed class ActivationOptionsValidator : IValidateOptions<ActivationOptions>
{
    public ValidateOptionsResult Validate(string? name, ActivationOptions options)
    {
        var errors = new List<string>();
        if (options.DirectoryCacheSize < 1_000)
        {
            errors.Add($"Activations:DirectoryCacheSize must be at least 1000 (was {options.DirectoryCacheSize}).");
        }

        // Orleans requires collection ages above its quantum; one minute below that would never be honoured.
        if (options.CollectionInterval < TimeSpan.FromSeconds(1) || options.CollectionInterval > TimeSpan.FromHours(1))
        {
            errors.Add("Activations:CollectionInterval must be between 00:00:01 and 01:00:00.");
        }

        if (options.CollectionAge <= options.CollectionInterval)
        {
            errors.Add("Activations:CollectionAge must be longer than Activations:CollectionInterval.");
        }

        if (options.UserCollectionAge <= options.CollectionInterval)
        {
            errors.Add("Activations:UserCollectionAge must be longer than Activations:CollectionInterval.");
        }

        if (options.MemoryLimitPercent is < 1 or > 100)
        {
            errors.Add("Activations:MemoryLimitPercent must be between 1 and 100.");
        }

        if (options.MemoryTargetPercent < 1 || options.MemoryTargetPercent >= options.MemoryLimitPercent)
        {
            errors.Add("Activations:MemoryTargetPercent must be at least 1 and below Activations:MemoryLimitPercent.");
        }

        if (options.MemoryPollInterval < TimeSpan.FromMilliseconds(100) || options.MemoryPollInterval > TimeSpan.FromMinutes(10))
        {
            errors.Add("Activations:MemoryPollInterval must be between 00:00:00.1 and 00:10:00.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>Registers <see cref="ActivationOptions"/> and applies them to Orleans' <see cref="GrainCollectionOptions"/>.</summary>
public static class ActivationServiceCollectionExtensions
{
    public static IServiceCollection AddRecoGridActivations(this IServiceCollection services)
    {
        services.AddValidatedOptions<ActivationOptions, ActivationOptionsValidator>(ActivationOptions.Section);
        services.AddKnownSettings(ActivationOptions.Section, typeof(ActivationOptions));
        services.AddOptions<GrainCollectionOptions>().Configure<IOptions<ActivationOptions>>((orleans, activations) => activations.Value.ApplyTo(orleans));
        services.AddOptions<GrainDirectoryOptions>().Configure<IOptions<ActivationOptions>>((orleans, activations) => orleans.CacheSize = activations.Value.DirectoryCacheSize);
        return services;
    }
}
