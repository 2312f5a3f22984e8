namespace RecoGrid.Training.Synthetic;

/// <summary>
/// The planted structure behind a synthetic set: Zipf item popularity over a shuffled item order, a taste
/// cluster for every item, two taste clusters for every user (a block, rank-k, latent space), and a lognormal
/// number of interactions per user summing exactly to the requested total. Each user is then sampled from its own
/// random stream, so users can be produced one at a time in any order with the same result.
/// </summary>
internal sealed class SyntheticModel
{
    private const double PrimaryClusterShare = 0.75;
    private const double ActivitySigma = 1.0;
    private const long EpochStart = 1_262_304_000; // 2010-01-01
    private const int EpochSpanSeconds = 3 * 365 * 24 * 3600;

    private readonly SyntheticOptions _options;
    private readonly AliasTable _popular;
    private readonly AliasTable[] _clusterTables;
    private readonly int[] _byPopularity;
    private readonly int[] _seen;

    public SyntheticModel(SyntheticOptions options)
    {
        options.Validate();
        _options = options;
        var random = SplitRandom.For(options.Seed, -1);

        // Popularity ranks are a random permutation, so item ids carry no popularity signal.
        _byPopularity = new int[options.Items];
        for (var i = 0; i < _byPopularity.Length; i++)
        {
            _byPopularity[i] = i;
        }

        for (var i = _byPopularity.Length - 1; i > 0; i--)
        {
            var j = random.NextInt(i + 1);
            (_byPopularity[i], _byPopularity[j]) = (_byPopularity[j], _byPopularity[i]);
        }

        var weights = new double[options.Items];
        for (var rank = 0; rank < _byPopularity.Length; rank++)
        {
            weights[_byPopularity[rank]] = 1.0 / Math.Pow(rank + 1, options.ZipfExponent);
        }

        var all = new int[options.Items];
        for (var i = 0; i < all.Length; i++)
        {
            all[i] = i;
        }

        _popular = new AliasTable(all, weights);

        ItemClusters = new int[options.Items];
        var members = new List<int>[options.Clusters];
        for (var c = 0; c < members.Length; c++)
        {
            members[c] = [];
        }

        for (var i = 0; i < ItemClusters.Length; i++)
        {
            // The first Clusters items seed every cluster so none is empty.
            ItemClusters[i] = i < options.Clusters ? i : random.NextInt(options.Clusters);
            members[ItemClusters[i]].Add(i);
        }

        _clusterTables = new AliasTable[options.Clusters];
        for (var c = 0; c < members.Length; c++)
        {
            var items = members[c].ToArray();
            var clusterWeights = new double[items.Length];
            for (var k = 0; k < items.Length; k++)
            {
                clusterWeights[k] = weights[items[k]];
            }

            _clusterTables[c] = new AliasTable(items, clusterWeights);
        }

        UserClusters = new int[options.Users];
        SecondaryClusters = new int[options.Users];
        for (var u = 0; u < options.Users; u++)
        {
            UserClusters[u] = random.NextInt(options.Clusters);
            SecondaryClusters[u] = random.NextInt(options.Clusters);
        }

        UserCounts = AllocateCounts(options, ref random);
        _seen = new int[options.Items];
    }

    /// <summary>Primary taste cluster of each user.</summary>
    public int[] UserClusters { get; }

    /// <summary>Secondary taste cluster of each user.</summary>
    public int[] SecondaryClusters { get; }

    /// <summary>Taste cluster of each item.</summary>
    public int[] ItemClusters { get; }

    /// <summary>Number of interactions of each user; sums to the requested total.</summary>
    public int[] UserCounts { get; }

    /// <summary>Largest per-user count, for sizing buffers.</summary>
    public int MaxCount => UserCounts.Length == 0 ? 0 : UserCounts.Max();

    /// <summary>
    /// Fills <paramref name="items"/> and <paramref name="times"/> (length <see cref="UserCounts"/>[user]) with the
    /// user's distinct items in interaction order and increasing timestamps. Not thread-safe (shared scratch).
    /// </summary>
    public void SampleUser(int user, Span<int> items, Span<long> times)
    {
        var count = UserCounts[user];
        var random = SplitRandom.For(_options.Seed, user);
        var stamp = user + 1;
        var filled = 0;
        var attempts = 0;
        var maxAttempts = 50 * count + 100;
        while (filled < count && attempts++ < maxAttempts)
        {
            int item;
            if (random.NextDouble() < _options.PopularityMix)
            {
                item = _popular.Sample(ref random);
            }
            else
            {
                var cluster = random.NextDouble() < PrimaryClusterShare ? UserClusters[user] : SecondaryClusters[user];
                item = _clusterTables[cluster].Sample(ref random);
            }

            if (_seen[item] != stamp)
            {
                _seen[item] = stamp;
                items[filled++] = item;
            }
        }

        // Heavy users can exhaust their clusters: top up with the most popular unseen items.
        for (var rank = 0; filled < count; rank++)
        {
            var item = _byPopularity[rank];
            if (_seen[item] != stamp)
            {
                _seen[item] = stamp;
                items[filled++] = item;
            }
        }

        var time = EpochStart + random.NextInt(EpochSpanSeconds);
        for (var k = 0; k < count; k++)
        {
            time += 1 + random.NextInt(3 * 24 * 3600);
            times[k] = time;
        }
    }

    private static int[] AllocateCounts(SyntheticOptions options, ref SplitRandom random)
    {
        var users = options.Users;
        var cap = Math.Max(1, options.Items / 2);
        var floor = (int)Math.Min(options.MinPerUser, options.Interactions / users);
        var counts = new int[users];
        Array.Fill(counts, floor);
        var activity = new double[users];
        for (var u = 0; u < users; u++)
        {
            activity[u] = Math.Exp(ActivitySigma * random.NextGaussian());
        }

        // Spread the remainder by activity; any share above the cap is spread again over the users below it.
        var remaining = options.Interactions - (long)floor * users;
        while (remaining > 0)
        {
            var total = 0.0;
            for (var u = 0; u < users; u++)
            {
                total += counts[u] < cap ? activity[u] : 0;
            }

            long given = 0;
            for (var u = 0; u < users && total > 0; u++)
            {
                if (counts[u] >= cap)
                {
                    continue;
                }

                var share = (long)(remaining * (activity[u] / total));
                var add = (int)Math.Min(share, cap - counts[u]);
                counts[u] += add;
                given += add;
            }

            remaining -= given;
            if (given == 0)
            {
                // Rounding left a few: hand them out one at a time to users with room.
                for (var u = 0; u < users && remaining > 0; u++)
                {
                    if (counts[u] < cap)
                    {
                        counts[u]++;
                        remaining--;
                    }
                }
            }
        }

        return counts;
    }
}
