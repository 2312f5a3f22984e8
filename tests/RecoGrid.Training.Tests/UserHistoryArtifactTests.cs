using RecoGrid.Training.Artifacts;
using RecoGrid.Training.Data;

namespace RecoGrid.Training.Tests;

public sealed class UserHistoryArtifactTests : IDisposable
{
    private readonly DataTempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void EachUsersTrainingItemsAreReadBackByIdInAscendingOrder()
    {
        // Rows: user-0 {2, 0}, user-1 {}, user-2 {1}; columns unsorted in the source on purpose.
        var history = new CsrMatrix(3, 3, [0, 2, 2, 3], [2, 0, 1], [1f, 1f, 1f]);
        var directory = _folder.File("model");
        var artifact = ModelArtifact.Write(directory, new ModelArtifactContent
        {
            Factors = 2,
            ItemIds = ["a", "b", "c"],
            ItemFactors = new float[6],
            UserIds = ["user-0", "user-1", "user-2"],
            UserFactors = new float[6],
            UserHistory = history,
        });

        Assert.True(ModelArtifact.Load(directory).HasUserHistory);
        using var lookup = artifact.OpenUserLookup();
        Assert.True(lookup.HasHistory);
        Assert.Equal([0, 2], lookup.GetHistory("user-0"));
        Assert.Empty(lookup.GetHistory("user-1"));
        Assert.Equal([1], lookup.GetHistory("user-2"));
        Assert.Empty(lookup.GetHistory("nobody"));
    }

    [Fact]
    public void AnArtifactWithoutHistoryAnswersNoTrainingItems()
    {
        var directory = _folder.File("model");
        var artifact = ModelArtifact.Write(directory, new ModelArtifactContent
        {
            Factors = 2,
            ItemIds = ["a"],
            ItemFactors = new float[2],
            UserIds = ["user-0"],
            UserFactors = new float[2],
        });

        using var lookup = artifact.OpenUserLookup();
        Assert.False(lookup.HasHistory);
        Assert.Empty(lookup.GetHistory("user-0"));
    }
}
