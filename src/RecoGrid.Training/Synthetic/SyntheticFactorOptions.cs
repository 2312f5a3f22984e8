namespace RecoGrid.Training.Synthetic;

/// <summary>Size and structure of a synthetic factor model (a catalogue of item vectors and some user vectors).</summary>
public sealed class SyntheticFactorOptions
{
    /// <summary>Number of item vectors.</summary>
    public int Items { get; set; } = 100_000;

    /// <summary>Number of user vectors.</summary>
    public int Users { get; set; } = 10_000;

    /// <summary>Latent dimension d.</summary>
    public int Factors { get; set; } = 64;

    /// <summary>Taste clusters; 0 picks about √items / 2 (between 16 and 8,192).</summary>
    public int Clusters { get; set; }

    /// <summary>Zipf exponent of item popularity, which scales item norms as in trained factorizations.</summary>
    public double ZipfExponent { get; set; } = 1.0;

    /// <summary>Seed: the same options and seed give the same vectors, on any number of threads.</summary>
    public long Seed { get; set; } = 42;

    /// <summary>The cluster count actually used.</summary>
    public int EffectiveClusters => Clusters > 0 ? Clusters : (int)Math.Clamp(Math.Sqrt(Items) / 2, 16, 8192);

    /// <summary>Checks the options; messages name the setting.</summary>
    public void Validate()
    {
        if (Items <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Items), Items, "Items must be positive.");
        }

        if (Users < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(Users), Users, "Users must be zero or more.");
        }

        if (Factors is < 2 or > 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(Factors), Factors, "Factors must be between 2 and 1024.");
        }

        if ((long)Items * Factors > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(Items), Items, $"Items × Factors must be at most {Array.MaxLength:N0} floats.");
        }

        if (Clusters < 0 || Clusters > Items)
        {
            throw new ArgumentOutOfRangeException(nameof(Clusters), Clusters, "Clusters must be between 0 (automatic) and Items.");
        }

        if (ZipfExponent < 0 || double.IsNaN(ZipfExponent))
        {
            throw new ArgumentOutOfRangeException(nameof(ZipfExponent), ZipfExponent, "ZipfExponent must be zero or more.");
        }
    }
}
