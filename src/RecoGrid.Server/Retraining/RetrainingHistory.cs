using System.Text;
using System.Text.Json;

namespace RecoGrid.Server.Retraining;

/// <summary>
/// The record of finished retraining runs: one JSON line per run in <c>{data}/training/history.jsonl</c>, appended by
/// the cluster's one retraining grain and read by `recogrid models history` and <c>GET /v1/admin/models/history</c>.
/// </summary>
public sealed class RetrainingHistory(string path)
{
    /// <summary>JSON as the API writes it (camelCase).</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>The history file.</summary>
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <summary>The history file of a data folder.</summary>
    public static RetrainingHistory ForDataDir(string dataDir) => new(System.IO.Path.Combine(System.IO.Path.GetFullPath(dataDir), "training", "history.jsonl"));

    /// <summary>Appends a finished run and makes it durable.</summary>
    public async Task AppendAsync(RetrainingRun run, CancellationToken cancellationToken = default)
    {
        var line = JsonSerializer.Serialize(run, Json) + "\n";
        await _gate.WaitAsync(cancellationToken);
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            await using var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
            await stream.WriteAsync(Encoding.UTF8.GetBytes(line), cancellationToken);
            stream.Flush(flushToDisk: true);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Every recorded run, oldest first; a torn last line (a crash while appending) is skipped.</summary>
    public async Task<IReadOnlyList<RetrainingRun>> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (!File.Exists(Path))
        {
            return [];
        }

        string text;
        using (var reader = new StreamReader(new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete)))
        {
            text = await reader.ReadToEndAsync(cancellationToken);
        }

        var lines = text.Split('\n');
        var runs = new List<RetrainingRun>();
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Length == 0)
            {
                continue;
            }

            try
            {
                if (JsonSerializer.Deserialize<RetrainingRun>(lines[i], Json) is { } run)
                {
                    runs.Add(run);
                }
            }
            catch (JsonException) when (i == lines.Length - 1)
            {
                // The last line was being written when the process died.
            }
        }

        return runs;
    }
}
