using RecoGrid.Storage.Models;

namespace RecoGrid.Storage.Tests;

/// <summary>The model registry contract on the local file system.</summary>
public sealed class FileModelRegistryTests : ModelRegistryContract, IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "recogrid-registry-" + Guid.NewGuid().ToString("N"));

    protected override IModelRegistry NewRegistry() => new FileModelRegistry(_root);

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public async Task AFailedAddLeavesNoStagingFolderBehind()
    {
        var registry = new FileModelRegistry(_root);
        await Assert.ThrowsAsync<IOException>(() => registry.AddAsync((_, _) => throw new IOException("disk full")));
        Assert.Empty(Directory.EnumerateDirectories(_root));
    }
}
