namespace RecoGrid.Training.Synthetic;

/// <summary>Size and structure of a synthetic implicit-feedback data set.</summary>
public sealed class SyntheticOptions
{
    /// <summary>Default number of taste clusters (the planted rank).</summary>
    public const int DefaultClusters = 24;

    /// <summary>Default Zipf exponent of item popularity.</summary>
    public const double DefaultZipfExponent = 1.0;

    /// <summary>Default share of draws taken from global popularity rather than the user's tastes.</summary>
    public const double DefaultPopularityMix = 0.3;

    /// <summary>Number of users.</summary>
    public int Users { get; set; } = 1_000;

    /// <summary>Number of items.</summary>
    public int Items { get; set; } = 500;

    /// <summary>Total number of distinct (user, item) interactions; every user gets at least <see cref="MinPerUser"/>.</summary>
    public long Interactions { get; set; } = 20_000;

    /// <summary>Seed: the same options and seed give the same data.</summary>
    public long Seed { get; set; } = 42;

    /// <summary>Number of taste clusters that users and items belong to.</summary>
    public int Clusters { get; set; } = DefaultClusters;

    /// <summary>Zipf exponent s of item popularity (weight of the r-th most popular item ∝ 1 / r^s).</summary>
    public double ZipfExponent { get; set; } = DefaultZipfExponent;

    /// <summary>Share of each user's draws from global popularity; the rest come from the user's two taste clusters.</summary>
    public double PopularityMix { get; set; } = DefaultPopularityMix;

    /// <summary>Smallest number of interactions per user (as in the filtered MovieLens sets).</summary>
    public int MinPerUser { get; set; } = 5;

    /// <summary>The ML-20M shape after the usual filtering (rating ≥ 3.5, users with ≥ 5): 136,677 users, 20,108 items, 10.0M interactions.</summary>
    public static SyntheticOptions Ml20M(long seed = 42) => new()
    {
        Users = 136_677,
        Items = 20_108,
        Interactions = 10_000_000,
        Seed = seed,
    };

    /// <summary>Options for a named shape (<c>ml-20m</c>); null when the name is unknown.</summary>
    public static SyntheticOptions? ForShape(string shape, long seed = 42) =>
        shape.Trim().ToLowerInvariant() switch
        {
            "ml-20m" or "ml20m" => Ml20M(seed),
            _ => null,
        };

    /// <summary>Checks the options; messages name the setting.</summary>
    public void Validate()
    {
        if (Users <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Users), Users, "Users must be positive.");
        }

        if (Items <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Items), Items, "Items must be positive.");
        }

        if (Clusters <= 0 || Clusters > Items)
        {
            throw new ArgumentOutOfRangeException(nameof(Clusters), Clusters, "Clusters must be between 1 and Items.");
        }

        if (MinPerUser < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MinPerUser), MinPerUser, "MinPerUser must be zero or more.");
        }

        // Users may hold at most half the catalog so sampling without replacement stays cheap.
        var perUserCap = Math.Max(1, Items / 2);
        if (Interactions < (long)Users * Math.Min(MinPerUser, perUserCap) || Interactions > (long)Users * perUserCap)
        {
            throw new ArgumentOutOfRangeException(
                nameof(Interactions),
                Interactions,
                $"Interactions must be between Users × min(MinPerUser, Items / 2) = {(long)Users * Math.Min(MinPerUser, perUserCap)} and Users × Items / 2 = {(long)Users * perUserCap}.");
        }

        if (PopularityMix is < 0 or > 1 || double.IsNaN(PopularityMix))
        {
            throw new ArgumentOutOfRangeException(nameof(PopularityMix), PopularityMix, "PopularityMix must be between 0 and 1.");
        }

        if (ZipfExponent < 0 || double.IsNaN(ZipfExponent))
        {
            throw new ArgumentOutOfRangeException(nameof(ZipfExponent), ZipfExponent, "ZipfExponent must be zero or more.");
        }
    }
}
