using RecoGrid.Storage.Training;

namespace RecoGrid.Storage.Tests.Training;

/// <summary>The training block store contract on the file system (one folder, as nodes sharing a disk see it).</summary>
public sealed class FileTrainingBlockStoreTests : TrainingBlockStoreContract, IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "recogrid-blocks-" + Guid.NewGuid().ToString("N"));

    protected override ITrainingBlockStore NewStore() => new FileTrainingBlockStore(_root);

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }
}
