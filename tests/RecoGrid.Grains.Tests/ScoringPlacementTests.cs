using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.TestingHost;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Scoring;

namespace RecoGrid.Grains.Tests;

public sealed class ScoringPlacementTests
{
    [Fact]
    public async Task EveryScoringActivationLandsOnTheScoringSilo()
    {
        var builder = new InProcessTestClusterBuilder(2);
        var scoringPort = 0;
        builder.ConfigureSilo((options, silo) =>
        {
            // The first silo (the client's gateway) serves the API; the second scores.
            var role = options.SiloName == "Silo_0" ? NodeRole.Api.Name : NodeRole.Scoring.Name;
            if (role == NodeRole.Scoring.Name)
            {
                scoringPort = options.SiloPort;
            }

            silo.UseSiloMetadata(new Dictionary<string, string> { [NodeRole.MetadataKey] = role });
            silo.AddMemoryGrainStorageAsDefault();
            silo.Services.AddRecoGridGrains();
        });
        await using var cluster = builder.Build();
        await cluster.DeployAsync();

        var scoringSilo = cluster.Silos.Single(s => s.SiloAddress.Endpoint.Port == scoringPort);
        var hosts = await Task.WhenAll(Enumerable.Range(0, 32).Select(p => cluster.Client.GetGrain<IScoringGrain>(p).GetSilo()));

        Assert.All(hosts, host => Assert.Equal(scoringSilo.SiloAddress.ToString(), host));
    }

    [Fact]
    public async Task WithoutAScoringSiloActivationFailsWithAnExplanation()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.UseSiloMetadata(new Dictionary<string, string> { [NodeRole.MetadataKey] = NodeRole.Api.Name });
            silo.AddMemoryGrainStorageAsDefault();
            silo.Services.AddRecoGridGrains();
        });
        await using var cluster = builder.Build();
        await cluster.DeployAsync();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => cluster.Client.GetGrain<IScoringGrain>(0).GetSilo());
        Assert.Contains("--role scoring", error.ToString(), StringComparison.Ordinal);
    }
}
