using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RecoGrid.Storage.FileSystem.Log;
using RecoGrid.Storage.Log;
using static RecoGrid.Storage.Tests.Log.LogTestData;

namespace RecoGrid.Storage.Tests.Log;

/// <summary>The file backend's folders, locks, indexes and options.</summary>
public sealed class FileLogLayoutTests : FileLogTestBase
{
    [Fact]
    public async Task AWriterLockHeldByAnotherProcessRefusesTheWriter()
    {
        if (OperatingSystem.IsWindows() || !File.Exists("/usr/bin/flock"))
        {
            return;
        }

        var lockFile = Path.Combine(Root, "p000", "writer.lock");
        Directory.CreateDirectory(Path.GetDirectoryName(lockFile)!);
        using var holder = Process.Start(new ProcessStartInfo("/usr/bin/flock", ["--exclusive", lockFile, "-c", "echo locked; exec cat"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
        })!;
        try
        {
            Assert.Equal("locked", await holder.StandardOutput.ReadLineAsync());
            var refused = await Assert.ThrowsAsync<LogPartitionLockedException>(() => NewStore().OpenWriterAsync(0));
            Assert.Contains("another process", refused.Message, StringComparison.Ordinal);
            Assert.Contains(lockFile, refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            // The holder ends at the end of its input; should it miss that (a test host once waited for it forever),
            // it is killed.
            holder.StandardInput.Close();
            try
            {
                await holder.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (TimeoutException)
            {
                holder.Kill(entireProcessTree: true);
                await holder.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            }
        }

        // The lock goes with the last process holding it (flock's child may outlive flock by a moment).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (true)
        {
            try
            {
                await using var writer = await NewStore().OpenWriterAsync(0);
                Assert.Equal(0, writer.NextSequence);
                break;
            }
            catch (LogPartitionLockedException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100);
            }
        }
    }

    [Fact]
    public async Task TheLogRefusesToOpenWithADifferentPartitionCount()
    {
        await using (await NewStore(partitions: 4).OpenWriterAsync(3))
        {
        }

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => NewStore(partitions: 8).OpenWriterAsync(0));
        Assert.Contains("Log:Partitions is 8", error.Message, StringComparison.Ordinal);
        Assert.Contains("created with 4 partitions", error.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<InvalidOperationException>(() => NewStore(partitions: 8).ReadAllAsync(0));
    }

    [Fact]
    public async Task SegmentsAreNamedByTheirFirstSequenceAndSealedOnesAreReadOnlyAndIndexed()
    {
        var store = NewStore(segmentBytes: 1024);
        await using (var writer = await store.OpenWriterAsync(1))
        {
            for (var i = 0; i < 50; i++)
            {
                await writer.AppendAsync(Records(i, 1));
            }
        }

        var segments = await store.ListSegmentsAsync(1);
        var files = Directory.GetFiles(Path.Combine(Root, "p001"), "*.seg").Select(Path.GetFileName).Order().ToList();
        Assert.Equal(segments.Select(s => $"{s.FirstSequence:D20}.seg"), files);
        foreach (var sealedSegment in segments.SkipLast(1))
        {
            var file = SegmentFile(1, sealedSegment.FirstSequence);
            Assert.True(File.Exists(Path.ChangeExtension(file, ".idx")));
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead, File.GetUnixFileMode(file));
            }
        }
    }

    [Fact]
    public async Task ReadsFromAnywhereInABigSealedSegmentMatchAFullReadWithOrWithoutItsIndexFile()
    {
        var store = NewStore(segmentBytes: 512 * 1024, flushToDisk: false);
        await using (var writer = await store.OpenWriterAsync(0))
        {
            for (var i = 0; i < 20_000; i += 100)
            {
                await writer.AppendAsync(Records(i, 100));
            }
        }

        var first = (await store.ListSegmentsAsync(0))[0];
        Assert.True(first.IsSealed && first.Bytes > 4 * 64 * 1024);
        var index = Path.ChangeExtension(SegmentFile(0, 0), ".idx");
        foreach (var variant in new[] { "index file", "no index file", "damaged index file" })
        {
            if (variant == "no index file")
            {
                File.Delete(index);
            }
            else if (variant == "damaged index file")
            {
                await File.WriteAllBytesAsync(index, [1, 2, 3]);
            }

            var fresh = NewStore(segmentBytes: 512 * 1024);
            foreach (var from in new long[] { 0, 1, 2047, 5000, first.LastSequence, first.LastSequence + 1, 19_999 })
            {
                var records = await fresh.ReadAllAsync(0, from, from + 3);
                Assert.Equal(Enumerable.Range((int)from, (int)Math.Min(3, 20_000 - from)).Select(i => $"event-{i}"), records.Select(Text));
            }
        }
    }

    [Fact]
    public async Task AMissingIndexOfTheLastSealedSegmentIsRebuiltWhenTheWriterOpens()
    {
        var store = NewStore(segmentBytes: 1024);
        await using (var writer = await store.OpenWriterAsync(0))
        {
            for (var i = 0; i < 30; i++)
            {
                await writer.AppendAsync(Records(i, 1));
            }
        }

        var segments = await store.ListSegmentsAsync(0);
        var lastSealed = Path.ChangeExtension(SegmentFile(0, segments[^2].FirstSequence), ".idx");
        File.Delete(lastSealed);
        await using (await NewStore(segmentBytes: 1024).OpenWriterAsync(0))
        {
            Assert.True(File.Exists(lastSealed));
        }

        Assert.Equal(segments, await NewStore(segmentBytes: 1024).ListSegmentsAsync(0));
    }

    [Fact]
    public async Task ACorruptMetadataFileIsReportedNamingTheFile()
    {
        var store = NewStore();
        await store.WriteMetadataAsync(0, "watermark", "12345"u8.ToArray());
        var file = Path.Combine(Root, "p000", "meta", "watermark.meta");
        Patch(file, f =>
        {
            f.Position = 5;
            f.WriteByte((byte)'9');
        });

        var error = await Assert.ThrowsAsync<LogCorruptionException>(() => store.ReadMetadataAsync(0, "watermark"));
        Assert.Contains(file, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheValidatorNamesEachBadSettingUnderTheLogSection()
    {
        var result = new FileInteractionLogOptionsValidator().Validate(null, new FileInteractionLogOptions
        {
            RootDirectory = " ",
            Partitions = 0,
            SegmentBytes = 10,
            SegmentMaxAge = TimeSpan.Zero,
        });

        Assert.True(result.Failed);
        foreach (var setting in new[] { "Log:RootDirectory", "Log:Partitions", "Log:SegmentBytes", "Log:SegmentMaxAge" })
        {
            Assert.Contains(setting, result.FailureMessage, StringComparison.Ordinal);
        }

        Assert.True(new FileInteractionLogOptionsValidator().Validate(null, new FileInteractionLogOptions()).Succeeded);
        Assert.Throws<OptionsValidationException>(() => new FileInteractionLogStore(new FileInteractionLogOptions { Partitions = -1 }));
    }

    [Fact]
    public async Task TheServiceRegistrationProvidesAStoreWithTheConfiguredOptions()
    {
        var services = new ServiceCollection();
        services.AddFileInteractionLog().Configure(o => (o.RootDirectory, o.Partitions) = (Root, 3));
        await using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<IInteractionLogStore>();
        Assert.Same(provider.GetRequiredService<FileInteractionLogStore>(), store);
        Assert.Equal(3, store.Partitions);
        services.AddFileInteractionLog().Configure(o => o.SegmentBytes = 1);
        await using var invalid = services.BuildServiceProvider();
        Assert.Throws<OptionsValidationException>(() => invalid.GetRequiredService<IInteractionLogStore>());
    }
}
