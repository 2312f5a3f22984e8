using System.Globalization;
using System.Text.Json;
using RecoGrid.Storage.FileSystem;

namespace RecoGrid.Server.Hosting;

/// <summary>
/// Orleans' reminder table on the local file system: one JSON file under the data folder, replaced atomically under an
/// exclusive lock file, so reminders (the retraining schedule, a training job's keep-alive) survive a restart of the
/// embedded node and are shared by nodes that share the data folder. Orleans' in-memory table would forget the
/// schedule with the process, and a dedicated database is more than one laptop should need; the table stays small
/// (a few reminders), so rewriting it whole is cheap.
/// </summary>
public sealed class FileReminderTable(string root, bool flushToDisk = true) : IReminderTable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The folder holding the table.</summary>
    public string Root { get; } = Path.GetFullPath(root);

    private string TableFile => Path.Combine(Root, "reminders.json");

    public Task Init() => Task.CompletedTask;

    public async Task<ReminderTableData> ReadRows(GrainId grainId) =>
        new((await ReadAsync(CancellationToken.None)).Where(r => r.GrainId == grainId.ToString()).Select(ToEntry));

    public async Task<ReminderTableData> ReadRows(uint begin, uint end) =>
        new((await ReadAsync(CancellationToken.None)).Select(ToEntry).Where(e => InRange(e.GrainId.GetUniformHashCode(), begin, end)));

    public async Task<ReminderEntry?> ReadRow(GrainId grainId, string reminderName)
    {
        var row = (await ReadAsync(CancellationToken.None)).FirstOrDefault(r => r.GrainId == grainId.ToString() && r.Name == reminderName);
        return row is null ? null : ToEntry(row);
    }

    public async Task<string?> UpsertRow(ReminderEntry entry)
    {
        var etag = Guid.NewGuid().ToString("N");
        await UpdateAsync(rows =>
        {
            rows.RemoveAll(r => r.GrainId == entry.GrainId.ToString() && r.Name == entry.ReminderName);
            rows.Add(new Row(entry.GrainId.ToString(), entry.ReminderName, entry.StartAt, entry.Period, etag));
            return true;
        });
        return etag;
    }

    public async Task<bool> RemoveRow(GrainId grainId, string reminderName, string eTag)
    {
        var removed = false;
        await UpdateAsync(rows =>
        {
            removed = rows.RemoveAll(r => r.GrainId == grainId.ToString() && r.Name == reminderName && r.ETag == eTag) > 0;
            return removed;
        });
        return removed;
    }

    public Task TestOnlyClearTable() => UpdateAsync(rows =>
    {
        rows.Clear();
        return true;
    });

    // Orleans' ring ranges are (begin, end], wrapping around when begin ≥ end (the whole ring when equal).
    private static bool InRange(uint hash, uint begin, uint end) =>
        begin < end ? hash > begin && hash <= end : hash > begin || hash <= end;

    private static ReminderEntry ToEntry(Row row) => new()
    {
        GrainId = GrainId.Parse(row.GrainId, CultureInfo.InvariantCulture),
        ReminderName = row.Name,
        StartAt = row.StartAt,
        Period = row.Period,
        ETag = row.ETag,
    };

    private async Task<List<Row>> ReadAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(TableFile))
        {
            return [];
        }

        await using var stream = new FileStream(TableFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        return await JsonSerializer.DeserializeAsync<List<Row>>(stream, Json, cancellationToken) ?? [];
    }

    private async Task UpdateAsync(Func<List<Row>, bool> change)
    {
        Directory.CreateDirectory(Root);
        await using var tableLock = await AcquireLockAsync();
        var rows = await ReadAsync(CancellationToken.None);
        if (change(rows))
        {
            await DurableFile.WriteAtomicAsync(TableFile, JsonSerializer.SerializeToUtf8Bytes(rows, Json), flushToDisk);
        }
    }

    // An exclusive open of the lock file serializes writers across the processes that share the data folder.
    private async Task<FileStream> AcquireLockAsync()
    {
        var path = Path.Combine(Root, ".reminders.lock");
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1);
            }
            catch (IOException) when (attempt < 400)
            {
                await Task.Delay(25);
            }
        }
    }

    private sealed record Row(string GrainId, string Name, DateTime StartAt, TimeSpan Period, string ETag);
}
