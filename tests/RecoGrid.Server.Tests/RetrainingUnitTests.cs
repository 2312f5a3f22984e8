using RecoGrid.Server.Hosting;
using RecoGrid.Server.Retraining;

namespace RecoGrid.Server.Tests;

public sealed class RetrainingGateTests
{
    private static readonly RetrainingOptions Options = new() { Metric = "ndcg@100", GateTolerance = 0.02 };

    [Fact]
    public void WithNothingServingTheNewModelIsPromoted()
    {
        var (promote, decision) = RetrainingRunner.Gate(Options, new Dictionary<string, double> { ["ndcg@100"] = 0.1 }, null, null);

        Assert.True(promote);
        Assert.Contains("no model was serving", decision, StringComparison.Ordinal);
    }

    [Fact]
    public void ANewModelWithinTheToleranceBelowTheServingOneIsPromoted()
    {
        var (promote, _) = RetrainingRunner.Gate(Options, new Dictionary<string, double> { ["ndcg@100"] = 0.395 }, new Dictionary<string, double> { ["ndcg@100"] = 0.40 }, "v1");

        Assert.True(promote);
    }

    [Fact]
    public void ANewModelWorseThanTheToleranceAllowsIsRejected()
    {
        var (promote, decision) = RetrainingRunner.Gate(Options, new Dictionary<string, double> { ["ndcg@100"] = 0.39 }, new Dictionary<string, double> { ["ndcg@100"] = 0.40 }, "v1");

        Assert.False(promote);
        Assert.Contains("v1 keeps serving", decision, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Schedule", "0 3 * *", "Training:Schedule")]
    [InlineData("Metric", "precision@10", "Training:Metric")]
    [InlineData("GateTolerance", "1.5", "Training:GateTolerance")]
    public void AnInvalidSettingIsNamed(string property, string value, string setting)
    {
        var options = new RetrainingOptions();
        var info = typeof(RetrainingOptions).GetProperty(property)!;
        info.SetValue(options, info.PropertyType == typeof(double) ? double.Parse(value, System.Globalization.CultureInfo.InvariantCulture) : value);

        var result = new RetrainingOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains(setting, result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void SchedulesWithAndWithoutSecondsParse()
    {
        Assert.Equal(new DateTime(2026, 1, 2, 3, 0, 0, DateTimeKind.Utc), new RetrainingOptions { Schedule = "0 3 * * *" }.ParseSchedule()!.GetNextOccurrence(new DateTime(2026, 1, 1, 3, 0, 0, DateTimeKind.Utc)));
        Assert.Equal(new DateTime(2026, 1, 1, 0, 0, 2, DateTimeKind.Utc), new RetrainingOptions { Schedule = "*/2 * * * * *" }.ParseSchedule()!.GetNextOccurrence(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc)));
        Assert.Null(new RetrainingOptions { Schedule = " " }.ParseSchedule());
    }
}

public sealed class FileReminderTableTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "recogrid-reminders-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    private static ReminderEntry Entry(string key, string name) => new()
    {
        GrainId = GrainId.Create("retraining", key),
        ReminderName = name,
        StartAt = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc),
        Period = TimeSpan.FromMinutes(1),
    };

    [Fact]
    public async Task RemindersSurviveANewTableOnTheSameFolder()
    {
        var entry = Entry("cluster", "schedule");
        var etag = await new FileReminderTable(_root).UpsertRow(entry);

        var reopened = new FileReminderTable(_root);
        var row = await reopened.ReadRow(entry.GrainId, "schedule");

        Assert.NotNull(row);
        Assert.Equal(etag, row.ETag);
        Assert.Equal(entry.Period, row.Period);
        Assert.Equal(entry.StartAt, row.StartAt);
        Assert.Single((await reopened.ReadRows(entry.GrainId)).Reminders);
    }

    [Fact]
    public async Task RangeReadsSplitTheRingWithoutLosingOrRepeatingAReminder()
    {
        var table = new FileReminderTable(_root);
        var entries = Enumerable.Range(0, 20).Select(i => Entry("g" + i, "r")).ToList();
        foreach (var e in entries)
        {
            await table.UpsertRow(e);
        }

        // (a, b] and (b, a] together cover the ring once, also when the second wraps around zero.
        var first = (await table.ReadRows(1_000_000u, 3_000_000_000u)).Reminders;
        var second = (await table.ReadRows(3_000_000_000u, 1_000_000u)).Reminders;

        Assert.Equal(20, first.Count + second.Count);
        Assert.Empty(first.Select(r => r.GrainId).Intersect(second.Select(r => r.GrainId)));
        Assert.Equal(20, (await table.ReadRows(5u, 5u)).Reminders.Count);
    }

    [Fact]
    public async Task ARowIsRemovedOnlyWithItsCurrentETag()
    {
        var table = new FileReminderTable(_root);
        var entry = Entry("cluster", "schedule");
        var etag = await table.UpsertRow(entry);

        Assert.False(await table.RemoveRow(entry.GrainId, "schedule", "stale"));
        Assert.True(await table.RemoveRow(entry.GrainId, "schedule", etag!));
        Assert.Null(await table.ReadRow(entry.GrainId, "schedule"));
    }
}
