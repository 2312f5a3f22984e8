using Microsoft.Extensions.Logging;
using RecoGrid.Storage.FileSystem.Log;
using RecoGrid.Storage.Log;
using static RecoGrid.Storage.Tests.Log.LogTestData;

namespace RecoGrid.Storage.Tests.Log;

/// <summary>What the file backend does with files a crash or a bad disk left behind.</summary>
public sealed class FileLogRecoveryTests : FileLogTestBase
{
    // Header of a segment, and of a record whose payload is "event-N" with one digit.
    private const int SegmentHeader = 32;
    private const int SmallRecord = 26 + 7;

    [Fact]
    public async Task ATailCutInsideARecordIsRemovedOnReopenAndTheCutIsLogged()
    {
        await WriteAsync(NewStore(), Records(0, 2), Records(2, 2), Records(4, 2));
        var file = SegmentFile(0, 0);
        Patch(file, f => f.SetLength(f.Length - 5));

        Assert.Equal(4, (await NewStore().ReadAllAsync(0)).Count);
        var store = NewStore();
        await using (var writer = await store.OpenWriterAsync(0))
        {
            Assert.Equal(4, writer.NextSequence);
            await writer.AppendAsync(Records(4, 1));
        }

        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"event-{i}"), (await store.ReadAllAsync(0)).Select(Text));
        var warning = Assert.Single(Logs.Entries, e => e.Level == LogLevel.Warning);
        Assert.Contains(file, warning.Message, StringComparison.Ordinal);
        Assert.Contains($"cut {(2 * SmallRecord) - 5} bytes", warning.Message, StringComparison.Ordinal);
        Assert.Contains($"at offset {SegmentHeader + (4 * SmallRecord)}", warning.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task GarbageOrZeroesAfterTheLastRecordAreRemovedOnReopenAndNeverRead(bool zeroes)
    {
        await WriteAsync(NewStore(), Records(0, 3));
        var file = SegmentFile(0, 0);
        var length = new FileInfo(file).Length;
        var junk = new byte[4096];
        if (!zeroes)
        {
            new Random(7).NextBytes(junk);
        }

        Patch(file, f =>
        {
            f.Seek(0, SeekOrigin.End);
            f.Write(junk);
        });

        Assert.Equal(3, (await NewStore().ReadAllAsync(0)).Count);
        await using (var writer = await NewStore().OpenWriterAsync(0))
        {
            Assert.Equal(3, writer.NextSequence);
        }

        Assert.Equal(length, new FileInfo(file).Length);
        Assert.Contains(Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains("cut 4096 bytes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AnAppendThatReachedTheDiskOnlyInPartIsDroppedWhole()
    {
        await WriteAsync(NewStore(), Records(0, 3), Records(3, 5));
        Patch(SegmentFile(0, 0), f => f.SetLength(SegmentHeader + (6 * SmallRecord)));

        Assert.Equal(3, (await NewStore().ReadAllAsync(0)).Count);
        await using var writer = await NewStore().OpenWriterAsync(0);
        Assert.Equal(3, writer.NextSequence);
        Assert.Contains(Logs.Entries, e => e.Message.Contains("never reached the disk in full", StringComparison.Ordinal));
    }

    [Fact]
    public async Task ADamagedRecordInTheActiveSegmentCutsTheSegmentThere()
    {
        await WriteAsync(NewStore(), Records(0, 1), Records(1, 1), Records(2, 1), Records(3, 1));
        Patch(SegmentFile(0, 0), f =>
        {
            f.Position = SegmentHeader + (2 * SmallRecord) + 30;
            f.WriteByte((byte)'X');
        });

        await using var writer = await NewStore().OpenWriterAsync(0);
        Assert.Equal(2, writer.NextSequence);
        Assert.Contains(Logs.Entries, e => e.Message.Contains("checksum does not match", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AFlippedByteInASealedSegmentIsReportedNamingTheFileAndOffset()
    {
        var store = NewStore(segmentBytes: 1024);
        await WriteAsync(store, [.. Enumerable.Range(0, 60).Select(i => Records(i, 1))]);
        var file = SegmentFile(0, 0);
        Patch(file, f =>
        {
            f.Position = SegmentHeader + SmallRecord + 28;
            var b = f.ReadByte();
            f.Position--;
            f.WriteByte((byte)(b ^ 0x01));
        });

        var fresh = NewStore(segmentBytes: 1024);
        var error = await Assert.ThrowsAsync<LogCorruptionException>(() => fresh.ReadAllAsync(0));
        Assert.Contains(file, error.Message, StringComparison.Ordinal);
        Assert.Contains($"offset {SegmentHeader + SmallRecord}", error.Message, StringComparison.Ordinal);
        Assert.Equal(SegmentHeader + SmallRecord, error.Offset);
        Assert.Equal(file, error.Location);
        File.Delete(Path.ChangeExtension(file, ".idx"));
        await Assert.ThrowsAsync<LogCorruptionException>(() => NewStore(segmentBytes: 1024).ListSegmentsAsync(0));
    }

    [Fact]
    public async Task ALeftoverRewriteFileIsRemovedOnOpenAndTheOldSegmentStaysReadable()
    {
        var store = NewStore(segmentBytes: 1024);
        await WriteAsync(store, [.. Enumerable.Range(0, 60).Select(i => Records(i, 1))]);
        var sealedBytes = await File.ReadAllBytesAsync(SegmentFile(0, 0));
        var leftover = Path.Combine(Root, "p000", $".rewrite.{Guid.NewGuid():N}.tmp");
        await File.WriteAllBytesAsync(leftover, sealedBytes[..(sealedBytes.Length / 2)]);

        Assert.Equal(60, (await NewStore(segmentBytes: 1024).ReadAllAsync(0)).Count);
        await using (await NewStore(segmentBytes: 1024).OpenWriterAsync(0))
        {
            Assert.False(File.Exists(leftover));
        }

        Assert.Equal(sealedBytes, await File.ReadAllBytesAsync(SegmentFile(0, 0)));
        Assert.Contains(Logs.Entries, e => e.Message.Contains(leftover, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AFailedFlushIsCutBackOffTheSegment()
    {
        var store = NewStore();
        await using var writer = await store.OpenWriterAsync(0);
        await writer.AppendAsync(Records(0, 2));
        var length = new FileInfo(SegmentFile(0, 0)).Length;
        store.FaultInjector = (_, operation) => operation == FileLogOperation.Flush ? new IOException("fsync failed (injected)") : null;

        await Assert.ThrowsAsync<IOException>(() => writer.AppendAsync(Records(2, 3)));
        Assert.Equal(length, new FileInfo(SegmentFile(0, 0)).Length);
        store.FaultInjector = null;
        Assert.Equal(2, await writer.AppendAsync(Records(2, 1)));
    }

    [Fact]
    public async Task AWriterThatCannotCutBackAFailedAppendIsFaultedUntilThePartitionIsReopened()
    {
        var store = NewStore();
        var writer = await store.OpenWriterAsync(0);
        await writer.AppendAsync(Records(0, 2));
        store.FaultInjector = (_, operation) => operation is FileLogOperation.Write or FileLogOperation.Truncate ? new IOException($"{operation} failed (injected)") : null;

        var fault = await Assert.ThrowsAsync<LogWriterFaultedException>(() => writer.AppendAsync(Records(2, 4)));
        Assert.Contains("reopen the partition", fault.Message, StringComparison.Ordinal);
        store.FaultInjector = null;
        await Assert.ThrowsAsync<LogWriterFaultedException>(() => writer.AppendAsync(Records(2, 1)));
        Assert.Equal(2, (await store.ReadAllAsync(0)).Count);
        await writer.DisposeAsync();

        await using var reopened = await store.OpenWriterAsync(0);
        Assert.Equal(2, reopened.NextSequence);
        Assert.Equal(2, await reopened.AppendAsync(Records(2, 1)));
        Assert.Equal(3, (await store.ReadAllAsync(0)).Count);
    }

    [Fact]
    public async Task AFailureToStartTheNextSegmentFailsOnlyThatAppend()
    {
        var store = NewStore(segmentBytes: 1024);
        await using var writer = await store.OpenWriterAsync(0);
        for (var i = 0; i < 25; i++)
        {
            await writer.AppendAsync(Records(i, 1));
        }

        store.FaultInjector = (_, operation) => operation == FileLogOperation.CreateSegment ? new IOException("No space left on device (injected).") : null;
        await Assert.ThrowsAsync<IOException>(async () =>
        {
            for (var i = 25; i < 60; i++)
            {
                await writer.AppendAsync(Records(i, 1));
            }
        });

        var next = writer.NextSequence;
        store.FaultInjector = null;
        Assert.Equal(next, await writer.AppendAsync(Records((int)next, 1)));
        Assert.Equal(Enumerable.Range(0, (int)next + 1).Select(i => (long)i), (await store.ReadAllAsync(0)).Select(r => r.Sequence));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(Root, "p000"), "*.tmp"));
    }

    private static async Task WriteAsync(IInteractionLogStore store, params LogAppend[][] appends)
    {
        await using var writer = await store.OpenWriterAsync(0);
        foreach (var append in appends)
        {
            await writer.AppendAsync(append);
        }
    }
}
