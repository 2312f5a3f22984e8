using System.Text;
using Microsoft.Extensions.Time.Testing;
using RecoGrid.Storage.Log;
using static RecoGrid.Storage.Tests.Log.LogTestData;

namespace RecoGrid.Storage.Tests.Log;

/// <summary>Segment limits a contract test asks of the backend.</summary>
public sealed record LogStoreSettings(int Partitions = 2, long SegmentBytes = 1024 * 1024, TimeSpan? SegmentMaxAge = null);

/// <summary>
/// The behaviour every <see cref="IInteractionLogStore"/> backend must have. Each backend's test class derives from this
/// and says how to create its store (a new instance over the same stored data, as after a restart) and how to make an append fail.
/// </summary>
public abstract class InteractionLogStoreContract
{
    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero));

    /// <summary>A store over this test's data; called again, it must see what the previous instances stored.</summary>
    protected abstract IInteractionLogStore CreateStore(LogStoreSettings settings);

    /// <summary>Makes the next append to <paramref name="partition"/> fail part-way, after some of its bytes were stored.</summary>
    protected abstract void FailNextAppend(IInteractionLogStore store, int partition);

    [Fact]
    public async Task AppendedRecordsAreReadBackWithTheirTypesPayloadsAndAppendTime()
    {
        var store = CreateStore(new());
        await using (var writer = await store.OpenWriterAsync(0))
        {
            Assert.Equal(0, await writer.AppendAsync([new LogAppend(7, "first"u8.ToArray()), new LogAppend(9, Array.Empty<byte>())]));
            Assert.Equal(2, await writer.AppendAsync([new LogAppend(255, new byte[5000])]));
        }

        var records = await store.ReadAllAsync(0);
        Assert.Equal([0L, 1, 2], records.Select(r => r.Sequence));
        Assert.Equal([(byte)7, 9, 255], records.Select(r => r.Type));
        Assert.Equal("first", Text(records[0]));
        Assert.Equal(0, records[1].Payload.Length);
        Assert.Equal(new byte[5000], records[2].Payload.ToArray());
        Assert.All(records, r => Assert.Equal(Time.GetUtcNow().ToUnixTimeMilliseconds(), r.AppendedAt.ToUnixTimeMilliseconds()));
    }

    [Fact]
    public async Task SequencesAreConsecutiveAcrossAppendsAndContinueAfterReopening()
    {
        var settings = new LogStoreSettings();
        await using (var writer = await CreateStore(settings).OpenWriterAsync(1))
        {
            Assert.Equal(0, writer.NextSequence);
            Assert.Equal(0, await writer.AppendAsync(Records(0, 3)));
            Assert.Equal(3, await writer.AppendAsync(Records(3, 2)));
            Assert.Equal(5, writer.NextSequence);
        }

        var store = CreateStore(settings);
        await using (var writer = await store.OpenWriterAsync(1))
        {
            Assert.Equal(5, writer.NextSequence);
            Assert.Equal(5, await writer.AppendAsync(Records(5, 1)));
        }

        var records = await store.ReadAllAsync(1);
        Assert.Equal(Enumerable.Range(0, 6).Select(i => (long)i), records.Select(r => r.Sequence));
        Assert.Equal(Enumerable.Range(0, 6).Select(i => $"event-{i}"), records.Select(Text));
        Assert.Empty(await store.ReadAllAsync(0));
    }

    [Fact]
    public async Task ReadingFromTheMiddleStartsThereAndStopsBeforeTheUpperBound()
    {
        var store = CreateStore(new(SegmentBytes: 2048));
        await using (var writer = await store.OpenWriterAsync(0))
        {
            for (var i = 0; i < 200; i += 10)
            {
                await writer.AppendAsync(Records(i, 10));
            }
        }

        Assert.True((await store.ListSegmentsAsync(0)).Count > 3);
        var middle = await store.ReadAllAsync(0, from: 77);
        Assert.Equal(Enumerable.Range(77, 123).Select(i => $"event-{i}"), middle.Select(Text));
        var window = await store.ReadAllAsync(0, from: 45, toExclusive: 131);
        Assert.Equal(Enumerable.Range(45, 86).Select(i => (long)i), window.Select(r => r.Sequence));
        Assert.Empty(await store.ReadAllAsync(0, from: 200));
        Assert.Empty(await store.ReadAllAsync(0, from: 50, toExclusive: 50));
    }

    [Fact]
    public async Task AReaderRunningWhileAppendsHappenSeesOnlyWholeAppendsInOrder()
    {
        const int PerAppend = 5;
        const int Appends = 150;
        var store = CreateStore(new(SegmentBytes: 4096));
        await using var writer = await store.OpenWriterAsync(0);
        var writing = Task.Run(async () =>
        {
            for (var i = 0; i < Appends; i++)
            {
                await writer.AppendAsync(Records(i * PerAppend, PerAppend));
            }
        });

        var reads = 0;
        int seen;
        do
        {
            var records = await store.ReadAllAsync(0);
            seen = records.Count;
            Assert.Equal(0, seen % PerAppend);
            Assert.Equal(Enumerable.Range(0, seen).Select(i => $"event-{i}"), records.Select(Text));
            reads++;
        }
        while (seen < Appends * PerAppend);

        await writing;
        Assert.True(reads >= 1);
    }

    [Fact]
    public async Task ASecondWriterForAPartitionIsRefusedUntilTheFirstIsDisposed()
    {
        var settings = new LogStoreSettings();
        var store = CreateStore(settings);
        var first = await store.OpenWriterAsync(0);
        await Assert.ThrowsAsync<LogPartitionLockedException>(() => store.OpenWriterAsync(0));
        await Assert.ThrowsAsync<LogPartitionLockedException>(() => CreateStore(settings).OpenWriterAsync(0));
        await using (var other = await store.OpenWriterAsync(1))
        {
            Assert.Equal(1, other.Partition);
        }

        await first.AppendAsync(Records(0, 1));
        await first.DisposeAsync();
        await using var second = await CreateStore(settings).OpenWriterAsync(0);
        Assert.Equal(1, second.NextSequence);
    }

    [Fact]
    public async Task TheActiveSegmentIsSealedBeforeAnAppendWouldTakeItPastTheSizeLimit()
    {
        var store = CreateStore(new(SegmentBytes: 1024));
        await using (var writer = await store.OpenWriterAsync(0))
        {
            for (var i = 0; i < 40; i++)
            {
                await writer.AppendAsync([new LogAppend(1, new byte[100])]);
            }

            var segments = await store.ListSegmentsAsync(0);
            Assert.True(segments.Count >= 5, $"{segments.Count} segments");
            Assert.All(segments.SkipLast(1), s => Assert.True(s.IsSealed && s.Bytes <= 1024 && s.RecordCount > 0));
            Assert.False(segments[^1].IsSealed);
            Assert.Equal(40, segments.Sum(s => s.RecordCount));
            for (var i = 1; i < segments.Count; i++)
            {
                Assert.Equal(segments[i - 1].LastSequence + 1, segments[i].FirstSequence);
            }

            Assert.Equal(39, segments[^1].LastSequence);
        }

        Assert.Equal(Enumerable.Range(0, 40).Select(i => (long)i), (await store.ReadAllAsync(0)).Select(r => r.Sequence));
    }

    [Fact]
    public async Task TheActiveSegmentIsSealedAtTheFirstAppendAfterItReachesTheAgeLimit()
    {
        var store = CreateStore(new(SegmentMaxAge: TimeSpan.FromMinutes(10)));
        var started = Time.GetUtcNow();
        await using var writer = await store.OpenWriterAsync(0);
        await writer.AppendAsync(Records(0, 2));
        Time.Advance(TimeSpan.FromMinutes(9));
        await writer.AppendAsync(Records(2, 2));
        Assert.Single(await store.ListSegmentsAsync(0));

        Time.Advance(TimeSpan.FromMinutes(1));
        await writer.AppendAsync(Records(4, 2));
        var segments = await store.ListSegmentsAsync(0);
        Assert.Equal(2, segments.Count);
        Assert.Equal((0L, 3L, 4L), (segments[0].FirstSequence, segments[0].LastSequence, segments[0].RecordCount));
        Assert.Equal(started, segments[0].CreatedAt);
        Assert.Equal(started.AddMinutes(10), segments[0].SealedAt);
        Assert.Equal((4L, 5L, started.AddMinutes(10)), (segments[1].FirstSequence, segments[1].LastSequence, segments[1].CreatedAt));
        Assert.Null(segments[1].SealedAt);
        Assert.Equal(6, (await store.ReadAllAsync(0)).Count);
    }

    [Fact]
    public async Task RewritingASealedSegmentDropsTheFilteredRecordsAndKeepsOrderAndSequences()
    {
        var store = CreateStore(new(SegmentBytes: 2048));
        await using var writer = await store.OpenWriterAsync(0);
        for (var i = 0; i < 120; i += 4)
        {
            await writer.AppendAsync(Records(i, 4, type: (byte)(i % 3)));
        }

        var segments = await store.ListSegmentsAsync(0);
        var target = segments[1];
        var result = await store.RewriteSegmentAsync(0, target.FirstSequence, r => r.Sequence % 2 == 0);

        Assert.Equal(target.RecordCount, result.RecordsBefore);
        Assert.Equal(target.RecordCount / 2, result.RecordsKept);
        Assert.True(result.BytesAfter < result.BytesBefore);
        var expected = Enumerable.Range(0, 120).Where(i => i < target.FirstSequence || i > target.LastSequence || i % 2 == 0).ToList();
        var records = await store.ReadAllAsync(0);
        Assert.Equal(expected.Select(i => (long)i), records.Select(r => r.Sequence));
        Assert.Equal(expected.Select(i => $"event-{i}"), records.Select(Text));
        Assert.Equal(expected.Select(i => (byte)(i / 4 * 4 % 3)), records.Select(r => r.Type));

        var fromInside = await store.ReadAllAsync(0, from: target.FirstSequence + 1);
        Assert.Equal(target.FirstSequence + 2, fromInside[0].Sequence);
        var rewritten = (await store.ListSegmentsAsync(0))[1];
        Assert.Equal((target.FirstSequence, target.RecordCount / 2, result.BytesAfter), (rewritten.FirstSequence, rewritten.RecordCount, rewritten.Bytes));
        Assert.Equal(120, await writer.AppendAsync(Records(120, 1)));
    }

    [Fact]
    public async Task TransformingASealedSegmentStoresChangedRecordsUnderTheirOwnSequenceAndTime()
    {
        var store = CreateStore(new(SegmentBytes: 2048));
        await using var writer = await store.OpenWriterAsync(0);
        for (var i = 0; i < 120; i += 4)
        {
            await writer.AppendAsync(Records(i, 4));
        }

        var before = await store.ReadAllAsync(0);
        var target = (await store.ListSegmentsAsync(0))[1];
        var result = await store.TransformSegmentAsync(0, target.FirstSequence, r =>
            r.Sequence % 3 == 0 ? null : r.Sequence % 3 == 1 ? new LogAppend(42, Encoding.UTF8.GetBytes($"changed-{r.Sequence}")) : new LogAppend(r.Type, r.Payload));

        var inside = (long i) => i >= target.FirstSequence && i <= target.LastSequence;
        Assert.Equal(before.Count(r => inside(r.Sequence) && r.Sequence % 3 != 0), result.RecordsKept);
        var after = await CreateStore(new(SegmentBytes: 2048)).ReadAllAsync(0);
        Assert.Equal(before.Where(r => !inside(r.Sequence) || r.Sequence % 3 != 0).Select(r => r.Sequence), after.Select(r => r.Sequence));
        foreach (var record in after)
        {
            var original = before.Single(r => r.Sequence == record.Sequence);
            Assert.Equal(original.AppendedAt, record.AppendedAt);
            if (inside(record.Sequence) && record.Sequence % 3 == 1)
            {
                Assert.Equal((byte)42, record.Type);
                Assert.Equal($"changed-{record.Sequence}", Text(record));
            }
            else
            {
                Assert.Equal((original.Type, Text(original)), (record.Type, Text(record)));
            }
        }
    }

    [Fact]
    public async Task RewritingTheActiveOrAnUnknownSegmentIsRefused()
    {
        var store = CreateStore(new());
        await using var writer = await store.OpenWriterAsync(0);
        await writer.AppendAsync(Records(0, 3));
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.RewriteSegmentAsync(0, 0, _ => false));
        await Assert.ThrowsAsync<LogSegmentNotFoundException>(() => store.RewriteSegmentAsync(0, 1, _ => false));
        Assert.Equal(3, (await store.ReadAllAsync(0)).Count);
    }

    [Fact]
    public async Task ARewriteThatFailsPartWayLeavesTheSegmentAsItWas()
    {
        var store = CreateStore(new(SegmentBytes: 1024));
        await using var writer = await store.OpenWriterAsync(0);
        for (var i = 0; i < 60; i += 3)
        {
            await writer.AppendAsync(Records(i, 3));
        }

        var before = await store.ReadAllAsync(0);
        var seen = 0;
        await Assert.ThrowsAsync<InvalidOperationException>(() => store.RewriteSegmentAsync(0, 0, _ =>
            ++seen < 5 ? false : throw new InvalidOperationException("keep failed")));

        Assert.Equal(before.Select(r => r.Sequence), (await store.ReadAllAsync(0)).Select(r => r.Sequence));
    }

    [Fact]
    public async Task MetadataIsReplacedWholeAndReadBackByAFreshStore()
    {
        var settings = new LogStoreSettings();
        var store = CreateStore(settings);
        Assert.Null(await store.ReadMetadataAsync(0, "checkpoint"));
        await store.WriteMetadataAsync(0, "checkpoint", "one"u8.ToArray());
        await store.WriteMetadataAsync(0, "checkpoint", "two, longer"u8.ToArray());
        await store.WriteMetadataAsync(1, "checkpoint", "other partition"u8.ToArray());
        await store.WriteMetadataAsync(0, "empty", Array.Empty<byte>());

        var fresh = CreateStore(settings);
        Assert.Equal("two, longer", Encoding.UTF8.GetString((await fresh.ReadMetadataAsync(0, "checkpoint"))!.Value.Span));
        Assert.Equal("other partition", Encoding.UTF8.GetString((await fresh.ReadMetadataAsync(1, "checkpoint"))!.Value.Span));
        Assert.Equal(0, (await fresh.ReadMetadataAsync(0, "empty"))!.Value.Length);
        await Assert.ThrowsAsync<ArgumentException>(() => fresh.WriteMetadataAsync(0, "../escape", Array.Empty<byte>()));
    }

    [Fact]
    public async Task AFailedAppendLeavesNothingVisibleAndALaterAppendSucceeds()
    {
        var settings = new LogStoreSettings();
        var store = CreateStore(settings);
        await using (var writer = await store.OpenWriterAsync(0))
        {
            await writer.AppendAsync(Records(0, 3));
            FailNextAppend(store, 0);
            await Assert.ThrowsAnyAsync<IOException>(() => writer.AppendAsync(Records(100, 50)));
            Assert.Equal(3, writer.NextSequence);
            Assert.Equal(3, (await store.ReadAllAsync(0)).Count);
            Assert.Equal(3, await writer.AppendAsync(Records(3, 2)));
        }

        var records = await CreateStore(settings).ReadAllAsync(0);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"event-{i}"), records.Select(Text));
    }

    [Fact]
    public async Task EmptyAppendsAndUnknownPartitionsAreRefused()
    {
        var store = CreateStore(new(Partitions: 2));
        Assert.Equal(2, store.Partitions);
        await using var writer = await store.OpenWriterAsync(0);
        await Assert.ThrowsAsync<ArgumentException>(() => writer.AppendAsync([]));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.OpenWriterAsync(2));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.ReadAllAsync(-1));
        Assert.Equal(0, writer.NextSequence);
    }

    [Fact]
    public async Task APartitionThatWasNeverWrittenReadsAsEmpty()
    {
        var store = CreateStore(new());
        Assert.Empty(await store.ReadAllAsync(1));
        Assert.Empty(await store.ListSegmentsAsync(1));
    }
}
