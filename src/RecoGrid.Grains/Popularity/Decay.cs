namespace RecoGrid.Grains.Popularity;

/// <summary>Exponential time decay of counts with a half-life.</summary>
public static class Decay
{
    /// <summary>The factor a count shrinks by over <paramref name="elapsed"/> (grows, for negative spans).</summary>
    public static double Factor(TimeSpan elapsed, TimeSpan halfLife) =>
        Math.Pow(2, -elapsed.TotalSeconds / halfLife.TotalSeconds);

    /// <summary>Adds <paramref name="weight"/> observed at <paramref name="at"/> to a count held as of <paramref name="asOf"/>.</summary>
    public static (double Score, DateTimeOffset AsOf) Add(double score, DateTimeOffset asOf, double weight, DateTimeOffset at, TimeSpan halfLife)
    {
        if (at >= asOf)
        {
            return (score * Factor(at - asOf, halfLife) + weight, at);
        }

        return (score + weight * Factor(asOf - at, halfLife), asOf);
    }
}
