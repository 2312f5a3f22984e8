using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Storage;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Scoring;
using RecoGrid.Server.Models;

namespace RecoGrid.Server.Health;

/// <summary>The health-check tag of every check that must pass before a node takes traffic (what /readyz runs).</summary>
public static class HealthTags
{
    public const string Ready = "ready";
}

/// <summary>Ready once this node's silo is an active member of its cluster; reports the role and silo address.</summary>
public sealed class SiloActiveHealthCheck(IClusterMembershipService membership, ILocalSiloDetails silo, NodeOptions node) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var status = membership.CurrentSnapshot.GetSiloStatus(silo.SiloAddress);
        var data = new Dictionary<string, object> { ["role"] = node.Role.Name, ["silo"] = silo.SiloAddress.ToString() };
        return Task.FromResult(status == SiloStatus.Active
            ? HealthCheckResult.Healthy("The silo is active.", data)
            : HealthCheckResult.Unhealthy($"The silo is {status}, not Active.", data: data));
    }
}

/// <summary>
/// Ready once the user-state store can be written and read back, through the same provider grains use (whatever
/// backend configuration chose), with a probe record of this silo's own.
/// </summary>
public sealed class GrainStorageHealthCheck([FromKeyedServices(StorageNames.Users)] IGrainStorage storage, ILocalSiloDetails silo) : IHealthCheck
{
    private const string StateName = "readiness-probe";

    // Probes of one silo write one record: concurrent /readyz calls would otherwise race on its ETag and report a
    // healthy store as unwritable.
    private static readonly SemaphoreSlim Gate = new(1, 1);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await Gate.WaitAsync(cancellationToken);
        try
        {
            var id = GrainId.Create("recogrid-probe", silo.SiloAddress.ToParsableString());
            var probe = new GrainState<ReadinessProbe>(new ReadinessProbe());
            await storage.ReadStateAsync(StateName, id, probe);
            (probe.State ??= new ReadinessProbe()).Writes++;
            await storage.WriteStateAsync(StateName, id, probe);
            return HealthCheckResult.Healthy("Storage is writable.");
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The exception's message may name server paths; /readyz is public, so it only names the kind of fault.
            return HealthCheckResult.Unhealthy($"Storage '{StorageNames.Users}' is not writable ({exception.GetType().Name}).");
        }
        finally
        {
            Gate.Release();
        }
    }
}

/// <summary>
/// Reports whether an active silo of the cluster hosts the scoring role. Without one, recommendations fall back to
/// popularity (or answer 503, as <c>Api:ScoringUnavailable</c> says), so the node is degraded, not down: it still
/// takes events.
/// </summary>
public sealed class ScoringRoleHealthCheck(IClusterMembershipService membership, ISiloMetadataCache metadata) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var scoring = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active)
            .Count(m => NodeRole.Find(metadata.GetSiloMetadata(m.SiloAddress).Metadata.GetValueOrDefault(NodeRole.MetadataKey))?.HostsScoring == true);
        var data = new Dictionary<string, object> { ["scoringSilos"] = scoring };
        return Task.FromResult(scoring > 0
            ? HealthCheckResult.Healthy($"{scoring} active silo(s) with the '{NodeRole.Scoring.Name}' role.", data)
            : HealthCheckResult.Degraded($"No active silo with the '{NodeRole.Scoring.Name}' role: recommendations fall back to popularity. Start one with `recogrid serve --role scoring`.", data: data));
    }
}

/// <summary>
/// Ready once the model promoted when the node started is loaded here (fold-in, and on scoring silos the ONNX sessions
/// warmed with one batch), so the first request after /readyz is served by the model, not by popularity.
/// </summary>
public sealed class ActiveModelHealthCheck(ModelWatcher watcher) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(watcher.HasSynced
            ? HealthCheckResult.Healthy("The promoted model (if any) is loaded.")
            : HealthCheckResult.Unhealthy("The promoted model is still loading."));
}

/// <summary>The record the storage readiness check writes.</summary>
[GenerateSerializer, Alias("recogrid.readiness-probe.v1")]
public sealed class ReadinessProbe
{
    [Id(0)] public long Writes { get; set; }
}

/// <summary>Registers the readiness checks.</summary>
public static class ReadinessServiceCollectionExtensions
{
    public static IServiceCollection AddRecoGridReadiness(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<SiloActiveHealthCheck>("silo", tags: [HealthTags.Ready])
            .AddCheck<GrainStorageHealthCheck>("storage", tags: [HealthTags.Ready])
            .AddCheck<ScoringRoleHealthCheck>("scoring", tags: [HealthTags.Ready])
            .AddCheck<ActiveModelHealthCheck>("model", tags: [HealthTags.Ready]);
        return services;
    }
}
