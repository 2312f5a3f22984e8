using RecoGrid.Abstractions;
using RecoGrid.Server.Experiments;

namespace RecoGrid.Server.Tests;

/// <summary>The experiment arithmetic: the normal CDF, the two-proportion z-test, assignment and recommendation ids.</summary>
public sealed class ExperimentStatisticsTests
{
    // Reference values: Python's math.erfc (correctly rounded to about 1 ulp).
    [Theory]
    [InlineData(0.0, 0.5)]
    [InlineData(1.0, 0.8413447460685429)]
    [InlineData(-1.0, 0.15865525393145707)]
    [InlineData(1.96, 0.9750021048517795)]
    [InlineData(3.0, 0.9986501019683699)]
    [InlineData(-5.0, 2.866515718791946e-07)]
    public void TheNormalCdfMatchesKnownValues(double z, double expected) =>
        Assert.Equal(expected, NormalDistribution.Cdf(z), expected * 1e-12);

    [Theory]
    [InlineData(1.96, 0.04999579029644087)]
    [InlineData(2.5758293035489, 0.010000000000000028)]
    [InlineData(3.0, 0.0026997960632601913)]
    [InlineData(8.0, 1.2441921148543639e-15)]
    public void TwoSidedTailsStayAccurateFarOut(double z, double expected)
    {
        Assert.Equal(expected, NormalDistribution.TwoSidedP(z), expected * 1e-10);
        Assert.Equal(expected, NormalDistribution.TwoSidedP(-z), expected * 1e-10);
    }

    [Fact]
    public void TheTwoProportionZTestMatchesAWorkedExample()
    {
        // 100 of 1000 against 130 of 1000: pooled p = 0.115, z = 0.03 / sqrt(0.115 · 0.885 · 0.002).
        var test = TwoProportionTest.Of(100, 1000, 130, 1000);

        Assert.Equal(0.10, test.RateA, 12);
        Assert.Equal(0.13, test.RateB, 12);
        Assert.Equal(2.102740605622114, test.Z!.Value, 9);
        Assert.Equal(0.03548845046647473, test.PValue!.Value, 9);
    }

    [Fact]
    public void TheZTestIsUndefinedWithoutTrialsOrWithMoreSuccessesThanTrials()
    {
        Assert.Null(TwoProportionTest.Of(0, 0, 5, 10).PValue);
        Assert.Null(TwoProportionTest.Of(12, 10, 5, 10).PValue);
        Assert.Null(TwoProportionTest.Of(0, 10, 0, 10).PValue);
        Assert.Equal(1.0, TwoProportionTest.Of(5, 10, 5, 10).PValue!.Value, 12);
    }

    [Fact]
    public void UsersAreSplitByShareAndAlwaysGetTheSameVariant()
    {
        var experiment = new ExperimentDefinition("exp-0123456789ab", "split", [new("a", "v1", 0.7), new("b", "v2", 0.2), new("c", "v3", 0.1)], DateTimeOffset.UnixEpoch, null);
        var counts = new int[3];
        for (var i = 0; i < 20_000; i++)
        {
            var variant = ExperimentAssignment.Assign(experiment, $"user-{i}");
            Assert.Equal(variant, ExperimentAssignment.Assign(experiment, $"user-{i}"));
            counts[variant]++;
        }

        // Binomial standard deviations are about 65, 57 and 42 here; 5 of them is far outside chance.
        Assert.InRange(counts[0], 14_000 - 325, 14_000 + 325);
        Assert.InRange(counts[1], 4_000 - 285, 4_000 + 285);
        Assert.InRange(counts[2], 2_000 - 210, 2_000 + 210);
    }

    [Fact]
    public void AssignmentsOfTwoExperimentsAreIndependent()
    {
        var first = new ExperimentDefinition("exp-000000000001", "one", [new("a", "v1", 0.5), new("b", "v2", 0.5)], DateTimeOffset.UnixEpoch, null);
        var second = first with { ExperimentId = "exp-000000000002" };
        var same = Enumerable.Range(0, 10_000).Count(i => ExperimentAssignment.Assign(first, $"u{i}") == ExperimentAssignment.Assign(second, $"u{i}"));

        Assert.InRange(same, 5_000 - 250, 5_000 + 250);
    }

    [Fact]
    public void RecommendationIdsNameTheirExperimentAndVariant()
    {
        Assert.Null(ExperimentAssignment.TryParse(ExperimentAssignment.NewRecommendationId("exp-abcdef012345", 3), out var experimentId, out var variant));
        Assert.Equal("exp-abcdef012345", experimentId);
        Assert.Equal(3, variant);

        Assert.Null(ExperimentAssignment.TryParse(ExperimentAssignment.NewRecommendationId(), out experimentId, out _));
        Assert.Null(experimentId);

        Assert.NotNull(ExperimentAssignment.TryParse("made-up", out _, out _));
        Assert.NotNull(ExperimentAssignment.TryParse("exp-x.1.0123", out _, out _));
        Assert.NotNull(ExperimentAssignment.TryParse("exp-x.-1." + new string('a', 32), out _, out _));
    }

    [Fact]
    public void ExperimentSettingsRefuseATypeCountedAsBothClickAndConversion()
    {
        var result = new ExperimentOptionsValidator().Validate(null, new ExperimentOptions { ClickTypes = ["click", "purchase"] });

        Assert.True(result.Failed);
        Assert.Contains("Experiments:ClickTypes", result.FailureMessage, StringComparison.Ordinal);
    }
}
