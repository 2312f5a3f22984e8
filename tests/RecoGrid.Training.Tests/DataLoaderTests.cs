using RecoGrid.Training.Data;

namespace RecoGrid.Training.Tests;

public sealed class DataLoaderTests : IDisposable
{
    private readonly DataTempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Theory]
    [InlineData("\t")]
    [InlineData(",")]
    [InlineData("::")]
    [InlineData("   ")]
    public void EachSeparatorIsDetected(string separator)
    {
        var lines = new[] { "u1 i1 5 100", "u1 i2 3 200", "u2 i1 4 300" };
        var text = string.Join('\n', lines.Select(l => string.Join(separator, l.Split(' ')))) + "\n";
        var data = InteractionLoader.Load(_folder.Write("ratings.dat", text));

        Assert.Equal(["u1", "u2"], data.UserIds);
        Assert.Equal(["i1", "i2"], data.ItemIds);
        Assert.Equal([0, 1], data.UserItems.RowIndices(0).ToArray());
        Assert.Equal([5f, 3f], data.UserItems.RowValues(0).ToArray());
        Assert.Equal([100L, 200L, 300L], data.Timestamps!);
    }

    [Fact]
    public void AHeaderIsDetectedAndSkipped()
    {
        var data = InteractionLoader.Load(_folder.Write("r.csv", "userId,movieId,rating,timestamp\n1,10,4.0,5\n2,10,3.0,6\n"));

        Assert.Equal(["1", "2"], data.UserIds);
        Assert.Equal(["10"], data.ItemIds);
        Assert.Equal(2, data.NonZeros);
    }

    [Fact]
    public void AFileWithoutHeaderKeepsItsFirstRow()
    {
        var data = InteractionLoader.Load(_folder.Write("r.csv", "1,10,4.0,5\n2,10,3.0,6\n"));

        Assert.Equal(2, data.NonZeros);
        Assert.Equal(2, data.Statistics.RowsParsed);
    }

    [Fact]
    public void StringIdsWithoutHeaderAreNotMistakenForAHeader()
    {
        var data = InteractionLoader.Load(_folder.Write("r.csv", "alice,book\nbob,film\n"));

        Assert.Equal(["alice", "bob"], data.UserIds);
        Assert.Null(data.Timestamps);
        Assert.Equal([1f, 1f], data.UserItems.Values);
    }

    [Fact]
    public void AHeaderOfUsualNamesIsDetectedOverStringIds()
    {
        var data = InteractionLoader.Load(_folder.Write("r.tsv", "user_id\titem_id\nalice\tbook\nbob\tfilm\n"));

        Assert.Equal(["alice", "bob"], data.UserIds);
        Assert.Equal(["book", "film"], data.ItemIds);
    }

    [Fact]
    public void NamedColumnsAreFoundInTheHeaderInAnyOrder()
    {
        var path = _folder.Write("r.csv", "timestamp,rating,movieId,userId\n7,5,m1,u1\n8,2,m2,u1\n");
        var options = new InteractionLoadOptions
        {
            UserColumn = "userId",
            ItemColumn = "movieId",
            ValueColumn = "rating",
            TimeColumn = "timestamp",
        };

        var data = InteractionLoader.Load(path, options);

        Assert.Equal(["u1"], data.UserIds);
        Assert.Equal(["m1", "m2"], data.ItemIds);
        Assert.Equal([5f, 2f], data.UserItems.Values);
        Assert.Equal([7L, 8L], data.Timestamps!);
    }

    [Fact]
    public void AnUnknownColumnNameIsAClearError()
    {
        var path = _folder.Write("r.csv", "user,item\na,b\n");

        var error = Assert.Throws<InteractionFormatException>(() =>
            InteractionLoader.Load(path, new InteractionLoadOptions { UserColumn = "userId" }));

        Assert.Contains("userId", error.Message, StringComparison.Ordinal);
        Assert.Contains("user, item", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CrlfLineEndingsAreHandled()
    {
        var data = InteractionLoader.Load(_folder.Write("r.csv", "user,item,value\r\nu1,i1,2\r\nu2,i1,3\r\n"));

        Assert.Equal(["u1", "u2"], data.UserIds);
        Assert.Equal(["i1"], data.ItemIds);
        Assert.Equal([2f, 3f], data.UserItems.Values);
    }

    [Fact]
    public void DuplicatePairsSumTheirWeightsAndKeepTheLatestTimestamp()
    {
        var data = InteractionLoader.Load(_folder.Write("r.csv", "u1,i2,1,50\nu1,i1,2,10\nu1,i2,3,90\nu1,i2,1,70\n"));

        Assert.Equal([0, 1], data.UserItems.RowIndices(0).ToArray());
        Assert.Equal(["i2", "i1"], data.ItemIds);
        Assert.Equal([5f, 2f], data.UserItems.RowValues(0).ToArray());
        Assert.Equal([90L, 10L], data.Timestamps!);
        Assert.Equal(2, data.Statistics.DuplicatesMerged);
    }

    [Fact]
    public void ItemsAreSortedWithinEachRowWithTimestampsAligned()
    {
        var data = InteractionLoader.Load(_folder.Write("r.csv", "u,c,1,3\nu,a,1,1\nu,b,1,2\nv,b,1,4\nv,a,1,5\n"));

        Assert.Equal(["c", "a", "b"], data.ItemIds);
        Assert.Equal([0, 1, 2], data.UserItems.RowIndices(0).ToArray());
        Assert.Equal([1, 2], data.UserItems.RowIndices(1).ToArray());
        Assert.Equal([3L, 1L, 2L, 5L, 4L], data.Timestamps!);
        Assert.Equal(data.UserItems.Transpose().NonZeros, data.ItemUsers.NonZeros);
    }

    [Fact]
    public void EventTypesAreMappedToWeights()
    {
        var path = _folder.Write("events.tsv", "user\titem\tevent\nu\ta\tview\nu\ta\tbuy\nu\tb\tview\n");
        var options = new InteractionLoadOptions
        {
            EventColumn = "event",
            EventWeights = new Dictionary<string, float> { ["view"] = 1f, ["BUY"] = 10f },
        };

        var data = InteractionLoader.Load(path, options);

        Assert.Equal([11f, 1f], data.UserItems.Values);
    }

    [Fact]
    public void AMalformedLineNamesTheFileAndLine()
    {
        var path = _folder.Write("bad.csv", "user,item,rating\nu1,i1,4\nu2,i2,lots\nu3,i3,2\n");

        var error = Assert.Throws<InteractionFormatException>(() => InteractionLoader.Load(path));

        Assert.Equal(3, error.LineNumber);
        Assert.Contains("bad.csv, line 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("lots", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TooFewFieldsIsAMalformedLine()
    {
        var path = _folder.Write("short.csv", "u1,i1,4\nu2\n");

        var error = Assert.Throws<InteractionFormatException>(() => InteractionLoader.Load(path));

        Assert.Equal(2, error.LineNumber);
        Assert.Contains("expected at least 3", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SkipBadLinesSkipsAndCountsThem()
    {
        var path = _folder.Write("bad.csv", "user,item,rating\nu1,i1,4\nu2,i2,lots\n\nu3\nu3,i3,2\n");

        var data = InteractionLoader.Load(path, new InteractionLoadOptions { SkipBadLines = true });

        Assert.Equal(2, data.Statistics.BadLinesSkipped);
        Assert.Equal(["u1", "u3"], data.UserIds);
        Assert.Equal(6, data.Statistics.Lines);
    }

    [Fact]
    public void AnEmptyFileIsAClearError()
    {
        var path = _folder.Write("empty.csv", "userId,movieId,rating\n");

        var error = Assert.Throws<InteractionFormatException>(() => InteractionLoader.Load(path));

        Assert.Contains("no interactions", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMissingFileIsAClearError()
    {
        var error = Assert.Throws<FileNotFoundException>(() => InteractionLoader.Load(_folder.File("absent.csv")));

        Assert.Contains("absent.csv", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ProgressReachesTheFileLength()
    {
        var path = _folder.Write("r.csv", "a,b\nc,d\n");
        var reports = new List<LoadProgress>();

        InteractionLoader.Load(path, new InteractionLoadOptions { Progress = new SynchronousProgress(reports.Add) });

        Assert.Equal(new FileInfo(path).Length, reports[^1].BytesRead);
        Assert.Equal(reports[^1].TotalBytes, reports[^1].BytesRead);
    }

    [Fact]
    public void CancellationStopsTheLoad()
    {
        var path = _folder.Write("r.csv", "a,b\n");

        Assert.Throws<OperationCanceledException>(() => InteractionLoader.Load(path, cancellationToken: new CancellationToken(canceled: true)));
    }

    /// <summary>Reports on the calling thread, unlike <see cref="Progress{T}"/>.</summary>
    private sealed class SynchronousProgress(Action<LoadProgress> report) : IProgress<LoadProgress>
    {
        public void Report(LoadProgress value) => report(value);
    }
}
