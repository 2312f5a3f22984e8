namespace RecoGrid.Server.Experiments;

/// <summary>The standard normal distribution, computed here so that p-values need no statistics package.</summary>
public static class NormalDistribution
{
    private const double SqrtPi = 1.7724538509055160273;

    /// <summary>P(Z ≤ <paramref name="z"/>) for a standard normal Z.</summary>
    public static double Cdf(double z) => z >= 0 ? 1 - 0.5 * Erfc(z / Math.Sqrt(2)) : 0.5 * Erfc(-z / Math.Sqrt(2));

    /// <summary>The two-sided tail P(|Z| ≥ |z|), computed without cancellation for large |z|.</summary>
    public static double TwoSidedP(double z) => Erfc(Math.Abs(z) / Math.Sqrt(2));

    /// <summary>
    /// The complementary error function for x ≥ 0: the series of e^{-x²}·Σ 2ⁿx^{2n+1}/(1·3·…·(2n+1)) (all terms positive,
    /// so no cancellation) below 2.5, the continued fraction of erfc above, each to double precision.
    /// </summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        if (x < 0)
        {
            return 2 - Erfc(-x);
        }

        if (x < 2.5)
        {
            double term = x, sum = x;
            for (var n = 1; n < 200 && term > sum * 1e-17; n++)
            {
                term *= 2 * x * x / (2 * n + 1);
                sum += term;
            }

            return 1 - 2 / SqrtPi * Math.Exp(-x * x) * sum;
        }

        if (x > 27)
        {
            return 0;
        }

        // erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))), evaluated from the tail.
        var fraction = x;
        for (var k = 120; k >= 1; k--)
        {
            fraction = x + k / 2.0 / fraction;
        }

        return Math.Exp(-x * x) / SqrtPi / fraction;
    }
}

/// <summary>A two-proportion z-test of rate B against rate A (pooled standard error, two-sided).</summary>
/// <param name="Z">(p_B − p_A) / SE, or null when undefined.</param>
/// <param name="PValue">Two-sided p-value, or null when the test is undefined (no trials, pooled rate 0 or 1, or more successes than trials).</param>
public sealed record TwoProportionTest(double RateA, double RateB, double Difference, double? Z, double? PValue)
{
    public static TwoProportionTest Of(long successesA, long trialsA, long successesB, long trialsB)
    {
        var rateA = trialsA == 0 ? 0 : (double)successesA / trialsA;
        var rateB = trialsB == 0 ? 0 : (double)successesB / trialsB;
        var difference = rateB - rateA;
        if (trialsA == 0 || trialsB == 0 || successesA > trialsA || successesB > trialsB || successesA < 0 || successesB < 0)
        {
            return new TwoProportionTest(rateA, rateB, difference, null, null);
        }

        var pooled = (double)(successesA + successesB) / (trialsA + trialsB);
        var variance = pooled * (1 - pooled) * ((1.0 / trialsA) + (1.0 / trialsB));
        if (variance <= 0)
        {
            return new TwoProportionTest(rateA, rateB, difference, null, null);
        }

        var z = difference / Math.Sqrt(variance);
        return new TwoProportionTest(rateA, rateB, difference, z, NormalDistribution.TwoSidedP(z));
    }
}
