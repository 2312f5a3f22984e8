using RecoGrid.Storage.FileSystem.Log;
using RecoGrid.Storage.Log;

namespace RecoGrid.Storage.Tests.Log;

/// <summary>The file-system backend against the interaction log contract.</summary>
public sealed class FileInteractionLogStoreTests : InteractionLogStoreContract, IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "recogrid-log-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    protected override IInteractionLogStore CreateStore(LogStoreSettings settings) =>
        new FileInteractionLogStore(
            new FileInteractionLogOptions
            {
                RootDirectory = _root,
                Partitions = settings.Partitions,
                SegmentBytes = settings.SegmentBytes,
                SegmentMaxAge = settings.SegmentMaxAge ?? TimeSpan.FromHours(1),
            },
            Time);

    protected override void FailNextAppend(IInteractionLogStore store, int partition)
    {
        var failed = 0;
        ((FileInteractionLogStore)store).FaultInjector = (p, operation) =>
            p == partition && operation == FileLogOperation.Write && Interlocked.Exchange(ref failed, 1) == 0
                ? new IOException("No space left on device (injected).")
                : null;
    }
}
