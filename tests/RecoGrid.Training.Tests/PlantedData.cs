using RecoGrid.Training.Data;

namespace RecoGrid.Training.Tests;

/// <summary>Seeded synthetic matrices with a planted cluster structure, built inside the tests.</summary>
internal static class PlantedData
{
    /// <summary>
    /// Users and items each belong to one of <paramref name="clusters"/> latent groups; a user picks most items from
    /// their own group and a few from a global popularity skew, so a low-rank model beats popularity clearly.
    /// </summary>
    public static CsrMatrix Clustered(int users = 600, int items = 300, int clusters = 6, int perUser = 20, double noise = 0.15, int seed = 7)
    {
        var random = new Random(seed);
        var itemsByCluster = new List<int>[clusters];
        for (var c = 0; c < clusters; c++)
        {
            itemsByCluster[c] = [];
        }

        for (var i = 0; i < items; i++)
        {
            itemsByCluster[i % clusters].Add(i);
        }

        var rows = new List<SortedDictionary<int, float>>();
        for (var u = 0; u < users; u++)
        {
            var cluster = random.Next(clusters);
            var row = new SortedDictionary<int, float>();
            var count = perUser / 2 + random.Next(perUser);
            while (row.Count < count)
            {
                int item;
                if (random.NextDouble() < noise)
                {
                    // Zipf-like global popularity: low indices are much more popular.
                    item = (int)(items * Math.Pow(random.NextDouble(), 3));
                }
                else
                {
                    var own = itemsByCluster[cluster];
                    item = own[(int)(own.Count * Math.Pow(random.NextDouble(), 1.5))];
                }

                row[item] = 1f + random.Next(3);
            }

            rows.Add(row);
        }

        return FromRows(rows, items);
    }

    /// <summary>A dense-ish random matrix of positive weights.</summary>
    public static CsrMatrix Random(int users, int items, double density, int seed)
    {
        var random = new Random(seed);
        var rows = new List<SortedDictionary<int, float>>();
        for (var u = 0; u < users; u++)
        {
            var row = new SortedDictionary<int, float>();
            for (var i = 0; i < items; i++)
            {
                if (random.NextDouble() < density)
                {
                    row[i] = 1f + (float)random.NextDouble();
                }
            }

            rows.Add(row);
        }

        return FromRows(rows, items);
    }

    public static CsrMatrix FromRows(IReadOnlyList<IReadOnlyDictionary<int, float>> rows, int items)
    {
        var pointers = new int[rows.Count + 1];
        var indices = new List<int>();
        var values = new List<float>();
        for (var u = 0; u < rows.Count; u++)
        {
            foreach (var (item, value) in rows[u].OrderBy(p => p.Key))
            {
                indices.Add(item);
                values.Add(value);
            }

            pointers[u + 1] = indices.Count;
        }

        return new CsrMatrix(rows.Count, items, pointers, [.. indices], [.. values]);
    }

    private static CsrMatrix FromRows(List<SortedDictionary<int, float>> rows, int items) =>
        FromRows(rows.Select(r => (IReadOnlyDictionary<int, float>)r).ToList(), items);

    public static float[] RandomNormal(int count, int seed, float scale = 1f)
    {
        var random = new Random(seed);
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            var u1 = 1.0 - random.NextDouble();
            var u2 = random.NextDouble();
            values[i] = (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2)) * scale;
        }

        return values;
    }
}
