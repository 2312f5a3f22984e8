using System.Globalization;
using RecoGrid.Training.Data;
using RecoGrid.Training.Synthetic;

namespace RecoGrid.Training.Tests;

public sealed class SyntheticGeneratorTests
{
    private static SyntheticOptions Small(long seed = 7) => new()
    {
        Users = 400,
        Items = 300,
        Interactions = 12_000,
        Clusters = 8,
        Seed = seed,
    };

    [Fact]
    public void TheSameSeedGivesTheSameData()
    {
        var first = SyntheticGenerator.Generate(Small());
        var second = SyntheticGenerator.Generate(Small());

        Assert.Equal(first.UserItems.RowPointers, second.UserItems.RowPointers);
        Assert.Equal(first.UserItems.ColumnIndices, second.UserItems.ColumnIndices);
        Assert.Equal(first.Timestamps, second.Timestamps);
    }

    [Fact]
    public void ADifferentSeedGivesDifferentData()
    {
        var first = SyntheticGenerator.Generate(Small(1));
        var second = SyntheticGenerator.Generate(Small(2));

        Assert.NotEqual(first.UserItems.ColumnIndices, second.UserItems.ColumnIndices);
    }

    [Fact]
    public void TheShapeIsExactAndRowsHoldDistinctSortedItems()
    {
        var options = Small();
        var data = SyntheticGenerator.Generate(options).UserItems;

        Assert.Equal(options.Users, data.Rows);
        Assert.Equal(options.Items, data.Columns);
        Assert.Equal(options.Interactions, data.NonZeros);
        for (var u = 0; u < data.Rows; u++)
        {
            var row = data.RowIndices(u);
            Assert.True(row.Length >= options.MinPerUser);
            for (var k = 1; k < row.Length; k++)
            {
                Assert.True(row[k - 1] < row[k]);
            }
        }
    }

    [Fact]
    public void ItemPopularityIsHeavyTailed()
    {
        var data = SyntheticGenerator.Generate(Small()).UserItems;
        var degrees = new int[data.Columns];
        foreach (var item in data.ColumnIndices)
        {
            degrees[item]++;
        }

        Array.Sort(degrees);
        Array.Reverse(degrees);
        var top10Percent = degrees.Take(degrees.Length / 10).Sum();

        // Uniform popularity would give the top tenth about 10% of interactions.
        Assert.True(top10Percent > 0.3 * data.NonZeros, $"top 10% of items hold {top10Percent} of {data.NonZeros}");
        Assert.True(degrees[0] > 5 * degrees[degrees.Length / 2]);
    }

    [Fact]
    public void UsersMostlyInteractWithTheirPlantedClusters()
    {
        var options = Small();
        var data = SyntheticGenerator.Generate(options);
        var inPrimary = 0;
        foreach (var u in Enumerable.Range(0, data.UserItems.Rows))
        {
            foreach (var item in data.UserItems.RowIndices(u))
            {
                inPrimary += data.ItemClusters[item] == data.UserClusters[u] ? 1 : 0;
            }
        }

        // Chance alone would put 1 / Clusters = 12.5% of items in the user's primary cluster.
        Assert.True(inPrimary > 0.35 * data.UserItems.NonZeros, $"{inPrimary} of {data.UserItems.NonZeros} in the primary cluster");
    }

    [Fact]
    public void TheCsvWriterStreamsTheSameInteractions()
    {
        var options = Small();
        var expected = SyntheticGenerator.Generate(options).UserItems;
        using var folder = new DataTempFolder();
        var path = folder.File("synthetic.csv");

        SyntheticGenerator.WriteCsv(options, path);
        var loaded = InteractionLoader.Load(path);

        Assert.StartsWith(SyntheticGenerator.CsvHeader + "\n", File.ReadAllText(path), StringComparison.Ordinal);
        Assert.Equal(expected.NonZeros, loaded.NonZeros);
        Assert.NotNull(loaded.Timestamps);
        for (var row = 0; row < loaded.Users; row++)
        {
            var user = int.Parse(loaded.UserIds[row], CultureInfo.InvariantCulture);
            var items = loaded.UserItems.RowIndices(row).ToArray()
                .Select(i => int.Parse(loaded.ItemIds[i], CultureInfo.InvariantCulture))
                .Order();
            Assert.Equal(expected.RowIndices(user).ToArray(), items);
        }
    }

    [Fact]
    public void TheMl20mShapeMatchesTheFilteredDataSet()
    {
        var options = SyntheticOptions.ForShape("ml-20m", seed: 3);

        Assert.NotNull(options);
        Assert.Equal(136_677, options.Users);
        Assert.Equal(20_108, options.Items);
        Assert.Equal(10_000_000, options.Interactions);
        Assert.Equal(3, options.Seed);
        Assert.Null(SyntheticOptions.ForShape("netflix"));
    }

    [Fact]
    public void ImpossibleSizesAreRejectedNamingTheSetting()
    {
        var options = new SyntheticOptions { Users = 10, Items = 10, Clusters = 2, Interactions = 1_000 };

        var error = Assert.Throws<ArgumentOutOfRangeException>(options.Validate);

        Assert.Equal(nameof(SyntheticOptions.Interactions), error.ParamName);
    }
}
