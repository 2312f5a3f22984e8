using System.Text;
using RecoGrid.Storage.Log;

namespace RecoGrid.Storage.Tests.Log;

/// <summary>Records whose payload says which record it is, so a read can be checked against what was appended.</summary>
internal static class LogTestData
{
    public static LogAppend Record(int n, byte type = 1) => new(type, Encoding.UTF8.GetBytes($"event-{n}"));

    public static LogAppend[] Records(int from, int count, byte type = 1) =>
        [.. Enumerable.Range(from, count).Select(n => Record(n, type))];

    public static string Text(LogRecord record) => Encoding.UTF8.GetString(record.Payload.Span);

    public static async Task<List<LogRecord>> ReadAllAsync(this IInteractionLogStore store, int partition, long from = 0, long? toExclusive = null)
    {
        var records = new List<LogRecord>();
        await foreach (var record in store.ReadAsync(partition, from, toExclusive))
        {
            records.Add(record);
        }

        return records;
    }
}
