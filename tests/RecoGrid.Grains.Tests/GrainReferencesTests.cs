using RecoGrid.Abstractions;
using RecoGrid.Grains.Common;

namespace RecoGrid.Grains.Tests;

[Collection(ClusterCollection.Name)]
public sealed class GrainReferencesTests(ClusterFixture fixture)
{
    [Fact]
    public async Task HotPathReferencesNameTheSameGrainsAsGetGrainAndCallThem()
    {
        // The first call resolves the types through Orleans, the later ones build references from them.
        foreach (var key in new[] { "refs-user-1", "refs-user-2", "refs/ü" })
        {
            var reference = fixture.Grains.Reference<IUserGrain>(key);
            var expected = fixture.Grains.GetGrain<IUserGrain>(key);

            Assert.Equal(((GrainReference)(object)expected).GrainId, ((GrainReference)(object)reference).GrainId);
            Assert.Equal(((GrainReference)(object)expected).InterfaceType, ((GrainReference)(object)reference).InterfaceType);
            Assert.Equal(key, (await reference.GetSummary()).UserId);
        }

        foreach (var key in new long[] { 0, 7, -3 })
        {
            var reference = (GrainReference)(object)fixture.Grains.Reference<IScoringGrain>(key);
            var expected = (GrainReference)(object)fixture.Grains.GetGrain<IScoringGrain>(key);

            Assert.Equal(expected.GrainId, reference.GrainId);
            Assert.Equal(expected.InterfaceType, reference.InterfaceType);
        }
    }

    [Fact]
    public void ABlankKeyIsRefusedAsGetGrainRefusesIt()
    {
        _ = fixture.Grains.Reference<IUserGrain>("refs-resolve");

        Assert.ThrowsAny<ArgumentException>(() => fixture.Grains.Reference<IUserGrain>(" "));
    }
}
