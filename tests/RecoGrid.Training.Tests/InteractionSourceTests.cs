using System.Globalization;
using System.Text;
using RecoGrid.Training.Data;

namespace RecoGrid.Training.Tests;

public sealed class InteractionSourceTests : IDisposable
{
    private readonly DataTempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static List<InteractionRecord> Log(int count, int seed)
    {
        var random = new Random(seed);
        var records = new List<InteractionRecord>();
        for (var k = 0; k < count; k++)
        {
            // Few enough ids that pairs repeat (merged), and weights spread around the threshold used below.
            records.Add(new InteractionRecord(
                "user-" + random.Next(40),
                "item-" + random.Next(25),
                random.Next(1, 6),
                1_700_000_000 + random.Next(100_000)));
        }

        return records;
    }

    private string AsFile(IEnumerable<InteractionRecord> records)
    {
        var text = new StringBuilder();
        foreach (var r in records)
        {
            text.Append(CultureInfo.InvariantCulture, $"{r.UserId},{r.ItemId},{r.Weight},{r.Timestamp}\n");
        }

        return _folder.Write("log.csv", text.ToString());
    }

    [Theory]
    [InlineData(false, 0, 0, false)]
    [InlineData(true, 3, 4, false)]
    [InlineData(true, 4, 6, true)]
    public void RecordsBuildTheSameDataAsAFileWithTheSameRowsAndFilters(bool threshold, int minUser, int minItem, bool fixedPoint)
    {
        var records = Log(1500, seed: 1);
        var filters = new InteractionFilters
        {
            MinValue = threshold ? 3f : null,
            KeepValues = true,
            MinUserInteractions = minUser,
            MinItemUsers = minItem,
            FilterToFixedPoint = fixedPoint,
        };
        var fileOptions = new InteractionLoadOptions
        {
            MinValue = filters.MinValue,
            KeepValues = filters.KeepValues,
            MinUserInteractions = minUser,
            MinItemUsers = minItem,
            FilterToFixedPoint = fixedPoint,
        };

        var fromFile = new InteractionFileSource(AsFile(records), fileOptions).Load(CancellationToken.None);
        var fromRecords = new InteractionRecordSource(records, filters, "interaction log").Load(CancellationToken.None);

        Assert.Equal(fromFile.UserIds, fromRecords.UserIds);
        Assert.Equal(fromFile.ItemIds, fromRecords.ItemIds);
        Assert.Equal(fromFile.UserItems.RowPointers, fromRecords.UserItems.RowPointers);
        Assert.Equal(fromFile.UserItems.ColumnIndices, fromRecords.UserItems.ColumnIndices);
        Assert.Equal(fromFile.UserItems.Values, fromRecords.UserItems.Values);
        Assert.Equal(fromFile.Timestamps, fromRecords.Timestamps);
        Assert.Equal(fromFile.Statistics with { Lines = 0 }, fromRecords.Statistics with { Lines = 0 });
        Assert.True(fromRecords.Statistics.DuplicatesMerged > 0);
    }

    [Fact]
    public void TuplesWithoutTimestampsMergeRepeatedPairs()
    {
        var source = InteractionRecordSource.FromTuples([("u", "a", 1f), ("u", "b", 2f), ("v", "a", 1f), ("u", "a", 3f)]);

        var data = source.Load(CancellationToken.None);

        Assert.Equal(["u", "v"], data.UserIds);
        Assert.Equal(["a", "b"], data.ItemIds);
        Assert.Equal([4f, 2f, 1f], data.UserItems.Values);
        Assert.Null(data.Timestamps);
        Assert.Equal(1, data.Statistics.DuplicatesMerged);
    }

    [Fact]
    public void AnEmptyIdOrAnInfiniteWeightNamesTheRecord()
    {
        var emptyItem = new InteractionRecordSource([new("u", "a", 1f), new("u", "", 1f)], description: "interaction log");
        var infinite = new InteractionRecordSource([new("u", "a", float.PositiveInfinity)], description: "interaction log");

        var error = Assert.Throws<InteractionFormatException>(() => emptyItem.Load(CancellationToken.None));
        Assert.Contains("interaction log", error.Message, StringComparison.Ordinal);
        Assert.Contains("record 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("item id", error.Message, StringComparison.Ordinal);
        Assert.Contains("record 1", Assert.Throws<InteractionFormatException>(() => infinite.Load(CancellationToken.None)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NoRecordsIsAClearError()
    {
        var error = Assert.Throws<InteractionFormatException>(() => new InteractionRecordSource([], description: "interaction log").Load(CancellationToken.None));

        Assert.Contains("no interactions", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SourcesDescribeTheirInputAndFilters()
    {
        var file = new InteractionFileSource("/data/x.csv", new InteractionLoadOptions { MinUserInteractions = 3, SkipBadLines = true }).Describe();
        var records = new InteractionRecordSource([], new InteractionFilters { MinItemUsers = 2 }, "interaction log").Describe();

        Assert.Equal(
            ["input", "min_value", "keep_values", "min_user_interactions", "min_item_users", "filter_fixed_point", "skip_bad_lines"],
            file.Select(p => p.Key));
        Assert.Equal("/data/x.csv", (string?)file["input"]);
        Assert.Equal(3, (int)file["min_user_interactions"]!);
        Assert.True((bool)file["skip_bad_lines"]!);
        Assert.Equal("interaction log", (string?)records["input"]);
        Assert.Equal(2, (int)records["min_item_users"]!);
    }
}
