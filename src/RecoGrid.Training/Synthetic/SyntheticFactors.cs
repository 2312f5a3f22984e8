using System.Text.Json.Nodes;
using RecoGrid.Training.Artifacts;
using RecoGrid.Training.Solvers;

namespace RecoGrid.Training.Synthetic;

/// <summary>
/// Factor vectors shaped like a trained factorization, for catalogues too large to train here: cluster centroids
/// grouped under a few broad topics, items spread around their cluster's centroid with uneven cluster sizes, item norms
/// that grow with Zipf popularity (as iALS gives popular items longer vectors), and users who mix a main and a second
/// taste cluster. Each vector comes from its own random stream, so the result does not depend on the thread count.
/// </summary>
public sealed class SyntheticFactors
{
    private const double ItemSpread = 0.55;
    private const double UserSpread = 0.35;
    private const double TopicSpread = 0.8;
    private const double NormNoise = 0.25;
    private const double NormExponent = 0.75;
    private const int Chunk = 4096;

    private readonly SyntheticFactorOptions _options;
    private readonly float[] _centroids;
    private readonly AliasTable _clusters;

    public SyntheticFactors(SyntheticFactorOptions options)
    {
        options.Validate();
        _options = options;
        var d = options.Factors;
        var clusters = options.EffectiveClusters;
        var topics = Math.Max(2, clusters / 16);
        var topicVectors = new float[topics * d];
        for (var t = 0; t < topics; t++)
        {
            var random = SplitRandom.For(options.Seed, -1_000_000 - t);
            UnitGaussian(ref random, topicVectors.AsSpan(t * d, d));
        }

        _centroids = new float[clusters * d];
        Span<float> noise = stackalloc float[d];
        for (var c = 0; c < clusters; c++)
        {
            var random = SplitRandom.For(options.Seed, -1 - c);
            UnitGaussian(ref random, noise);
            var centroid = _centroids.AsSpan(c * d, d);
            var topic = topicVectors.AsSpan((c % topics) * d, d);
            for (var j = 0; j < d; j++)
            {
                centroid[j] = topic[j] + (float)(TopicSpread * noise[j]);
            }

            Normalize(centroid);
        }

        // Uneven cluster sizes: a few broad tastes and a long tail of niches.
        var weights = new double[clusters];
        var outcomes = new int[clusters];
        for (var c = 0; c < clusters; c++)
        {
            outcomes[c] = c;
            weights[c] = 1.0 / Math.Pow(c + 1, 0.7);
        }

        _clusters = new AliasTable(outcomes, weights);
    }

    public SyntheticFactorOptions Options => _options;

    /// <summary>Item vectors, row-major items × factors.</summary>
    public float[] Items(int threads = 0)
    {
        var values = new float[(long)_options.Items * _options.Factors];
        Fill(values, _options.Items, threads, ItemVector);
        return values;
    }

    /// <summary>User vectors, row-major users × factors.</summary>
    public float[] Users(int threads = 0)
    {
        var values = new float[(long)_options.Users * _options.Factors];
        Fill(values, _options.Users, threads, UserVector);
        return values;
    }

    /// <summary>Item <paramref name="item"/>'s vector: around its cluster's centroid, longer the more popular it is.</summary>
    public void ItemVector(int item, Span<float> destination)
    {
        var d = _options.Factors;
        var random = SplitRandom.For(_options.Seed, 2L * item);
        var cluster = _clusters.Sample(ref random);
        Around(ref random, _centroids.AsSpan(cluster * d, d), ItemSpread, destination);

        // A uniformly drawn popularity rank (the marginal of a random permutation), Zipf weight → log scale → norm.
        var n = _options.Items;
        var rank = 1 + random.NextInt(n);
        var logWeight = _options.ZipfExponent * Math.Log((double)n / rank);
        var scale = Math.Pow((1 + logWeight) / (1 + (_options.ZipfExponent * Math.Log(n))), NormExponent);
        Scale(destination, scale * Math.Exp(NormNoise * random.NextGaussian()));
    }

    /// <summary>User <paramref name="user"/>'s vector: mostly one cluster, partly another.</summary>
    public void UserVector(int user, Span<float> destination)
    {
        var d = _options.Factors;
        var random = SplitRandom.For(_options.Seed, (2L * user) + 1);
        var main = _centroids.AsSpan(_clusters.Sample(ref random) * d, d);
        var second = _centroids.AsSpan(random.NextInt(_options.EffectiveClusters) * d, d);
        Span<float> mixed = stackalloc float[d];
        for (var j = 0; j < d; j++)
        {
            mixed[j] = (0.8f * main[j]) + (0.4f * second[j]);
        }

        Normalize(mixed);
        Around(ref random, mixed, UserSpread, destination);
        Scale(destination, Math.Exp(0.3 * random.NextGaussian()));
    }

    /// <summary>
    /// Writes a model artifact of these vectors (items <c>item-0…</c>, users <c>user-0…</c>, iALS fold-in defaults), as
    /// <c>recogrid models add</c> takes it: a catalogue of any size without training one.
    /// </summary>
    public ModelArtifact WriteArtifact(string directory, int threads = 0)
    {
        var items = Items(threads);
        var users = Users(threads);
        return ModelArtifact.Write(directory, new ModelArtifactContent
        {
            Factors = _options.Factors,
            ItemIds = new IdRange("item-", _options.Items),
            ItemFactors = items,
            UserIds = new IdRange("user-", _options.Users),
            UserFactors = users,
            Model = ArtifactManifest.IalsModel,
            Solve = IalsSolveParameters.Default,
            Training = new JsonObject
            {
                ["generator"] = "planted factors (recogrid generate --artifact)",
                ["clusters"] = _options.EffectiveClusters,
                ["zipf"] = _options.ZipfExponent,
                ["seed"] = _options.Seed,
            },
        });
    }

    private static void Fill(float[] values, int rows, int threads, RowWriter write)
    {
        var d = values.Length / Math.Max(1, rows);
        var chunks = (rows + Chunk - 1) / Chunk;
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads > 0 ? threads : Environment.ProcessorCount };
        Parallel.For(0, chunks, parallel, chunk =>
        {
            var end = Math.Min(rows, (chunk + 1) * Chunk);
            for (var row = chunk * Chunk; row < end; row++)
            {
                write(row, values.AsSpan((int)((long)row * d), d));
            }
        });
    }

    private delegate void RowWriter(int row, Span<float> destination);

    /// <summary>Ids <c>prefix0 … prefix(count−1)</c> without holding them all at once.</summary>
    private sealed class IdRange(string prefix, int count) : IReadOnlyList<string>
    {
        public int Count => count;

        public string this[int index] => prefix + index.ToString(System.Globalization.CultureInfo.InvariantCulture);

        public IEnumerator<string> GetEnumerator()
        {
            for (var i = 0; i < count; i++)
            {
                yield return this[i];
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private static void Around(ref SplitRandom random, ReadOnlySpan<float> center, double spread, Span<float> destination)
    {
        UnitGaussian(ref random, destination);
        for (var j = 0; j < destination.Length; j++)
        {
            destination[j] = center[j] + (float)(spread * destination[j]);
        }

        Normalize(destination);
    }

    private static void UnitGaussian(ref SplitRandom random, Span<float> destination)
    {
        for (var j = 0; j < destination.Length; j++)
        {
            destination[j] = (float)random.NextGaussian();
        }

        Normalize(destination);
    }

    private static void Normalize(Span<float> vector)
    {
        var norm = System.Numerics.Tensors.TensorPrimitives.Norm(vector);
        if (norm > 0)
        {
            Scale(vector, 1.0 / norm);
        }
    }

    private static void Scale(Span<float> vector, double factor)
    {
        for (var j = 0; j < vector.Length; j++)
        {
            vector[j] = (float)(vector[j] * factor);
        }
    }
}
