using RecoGrid.Training.Data;

namespace RecoGrid.Training.Tests;

public sealed class DataFilterTests : IDisposable
{
    private readonly DataTempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void MinValueKeepsRowsAtOrAboveItAsBinaryPositives()
    {
        var path = _folder.Write("r.csv", "u,a,3.5\nu,b,3.4\nu,c,5\nv,a,1\n");

        var data = InteractionLoader.Load(path, new InteractionLoadOptions { MinValue = 3.5f });

        Assert.Equal(["u"], data.UserIds);
        Assert.Equal(["a", "c"], data.ItemIds);
        Assert.Equal([1f, 1f], data.UserItems.Values);
        Assert.Equal(2, data.Statistics.RowsBelowMinValue);
    }

    [Fact]
    public void KeepValuesKeepsThePositivesValues()
    {
        var path = _folder.Write("r.csv", "u,a,3.5\nu,b,3.4\nu,c,5\n");

        var data = InteractionLoader.Load(path, new InteractionLoadOptions { MinValue = 3.5f, KeepValues = true });

        Assert.Equal([3.5f, 5f], data.UserItems.Values);
    }

    [Fact]
    public void MinUserInteractionsDropsLightUsersAndTheirOnlyItems()
    {
        var path = _folder.Write("r.csv", "u,a\nu,b\nv,a\nw,c\n");

        var data = InteractionLoader.Load(path, new InteractionLoadOptions { MinUserInteractions = 2 });

        Assert.Equal(["u"], data.UserIds);
        Assert.Equal(["a", "b"], data.ItemIds);
        Assert.Equal(2, data.Statistics.UsersFiltered);
        Assert.Equal(1, data.Statistics.ItemsFiltered);
    }

    [Fact]
    public void TheItemFilterRunsOnceAfterTheUserFilter()
    {
        // After the item filter drops b, user v has one item left: a single pass keeps v anyway.
        var path = _folder.Write("r.csv", "u,a\nu,c\nv,a\nv,b\nw,a\nw,c\n");
        var options = new InteractionLoadOptions { MinUserInteractions = 2, MinItemUsers = 2 };

        var onePass = InteractionLoader.Load(path, options);
        options.FilterToFixedPoint = true;
        var fixedPoint = InteractionLoader.Load(path, options);

        Assert.Equal(["u", "v", "w"], onePass.UserIds);
        Assert.Equal(["a", "c"], onePass.ItemIds);
        Assert.Equal(1, onePass.UserItems.RowLength(1));
        Assert.Equal(["u", "w"], fixedPoint.UserIds);
    }

    [Fact]
    public void FiltersThatLeaveNothingAreAClearError()
    {
        var path = _folder.Write("r.csv", "u,a\nv,b\n");

        var error = Assert.Throws<InteractionFormatException>(() =>
            InteractionLoader.Load(path, new InteractionLoadOptions { MinUserInteractions = 3 }));

        Assert.Contains("no interactions left after the filters", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AValueColumnOfNoneWeighsEveryRowOne()
    {
        var path = _folder.Write("r.csv", "u,a,5\nu,b,2\n");

        var data = InteractionLoader.Load(path, new InteractionLoadOptions { ValueColumn = "none", HasHeader = false });

        Assert.Equal([1f, 1f], data.UserItems.Values);
    }

    [MovieLensFact]
    public void MovieLensSmallMatchesThePublishedFilteredCounts()
    {
        var options = new InteractionLoadOptions { MinValue = 3.5f, MinUserInteractions = 5 };

        var data = InteractionLoader.Load(MovieLensSmall.Path!, options);

        Assert.Equal(604, data.Users);
        Assert.Equal(7_363, data.Items);
        Assert.Equal(61_702, data.NonZeros);
        Assert.NotNull(data.Timestamps);
    }
}
