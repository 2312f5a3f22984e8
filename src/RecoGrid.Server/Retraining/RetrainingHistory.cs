using System.Text;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Microsoft.Extensions.Configuration;
using RecoGrid.Server.Models;
using RecoGrid.Storage.Azure.Models;

namespace RecoGrid.Server.Retraining;

/// <summary>
/// The record of finished retraining runs, appended by the cluster's one retraining grain and read by
/// `recogrid models history` and <c>GET /v1/admin/models/history</c>: one JSON line per run, in a file of the data
/// folder (<see cref="FileRetrainingHistory"/>) or, where the model registry is on Azure, in an append blob beside it
/// (<see cref="BlobRetrainingHistory"/>), so every node of a cluster reads the same history.
/// </summary>
public abstract class RetrainingHistory
{
    /// <summary>JSON as the API writes it (camelCase).</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The history file of a data folder.</summary>
    public static RetrainingHistory ForDataDir(string dataDir) => new FileRetrainingHistory(Path.Combine(Path.GetFullPath(dataDir), "training", "history.jsonl"));

    /// <summary>
    /// The history a node with <paramref name="configuration"/> keeps, for tools outside a node (`recogrid models
    /// history`): beside the model registry, wherever <see cref="ModelServingExtensions.CreateModelRegistry"/> finds it.
    /// </summary>
    public static RetrainingHistory Create(IConfigurationManager configuration, string dataDir) =>
        ModelServingExtensions.CreateModelRegistry(configuration, dataDir) is AzureModelRegistry azure
            ? new BlobRetrainingHistory(azure.Container)
            : ForDataDir(dataDir);

    /// <summary>Appends a finished run and makes it durable.</summary>
    public abstract Task AppendAsync(RetrainingRun run, CancellationToken cancellationToken = default);

    /// <summary>Every recorded run, oldest first.</summary>
    public abstract Task<IReadOnlyList<RetrainingRun>> ReadAsync(CancellationToken cancellationToken = default);

    /// <summary>One line per run; a torn last line (a crash while appending) is skipped.</summary>
    protected static IReadOnlyList<RetrainingRun> Parse(string text)
    {
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

    /// <summary>The line a run is recorded as.</summary>
    protected static byte[] Line(RetrainingRun run) => Encoding.UTF8.GetBytes(JsonSerializer.Serialize(run, Json) + "\n");
}

/// <summary>The history as a file, <c>{data}/training/history.jsonl</c>: nodes that share the data folder share it.</summary>
public sealed class FileRetrainingHistory(string path) : RetrainingHistory
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>The history file.</summary>
    public string Path { get; } = System.IO.Path.GetFullPath(path);

    /// <inheritdoc />
    public override async Task AppendAsync(RetrainingRun run, CancellationToken cancellationToken = default)
    {
        var line = Line(run);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            await using var stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
            await stream.WriteAsync(line, cancellationToken);
            stream.Flush(flushToDisk: true);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<RetrainingRun>> ReadAsync(CancellationToken cancellationToken = default)
    {
        if (!File.Exists(Path))
        {
            return [];
        }

        using var reader = new StreamReader(new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
        return Parse(await reader.ReadToEndAsync(cancellationToken));
    }
}

/// <summary>
/// The history as an append blob (<c>retraining-history.jsonl</c>) in the model registry's container: each run is one
/// appended block, written whole or not at all, and every node of the cluster reads the same blob.
/// </summary>
public sealed class BlobRetrainingHistory(BlobContainerClient container) : RetrainingHistory
{
    /// <summary>The blob's name in the registry's container.</summary>
    public const string BlobName = "retraining-history.jsonl";

    private readonly AppendBlobClient _blob = container.GetAppendBlobClient(BlobName);

    /// <inheritdoc />
    public override async Task AppendAsync(RetrainingRun run, CancellationToken cancellationToken = default)
    {
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        await _blob.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
        using var line = new MemoryStream(Line(run));
        await _blob.AppendBlockAsync(line, cancellationToken: cancellationToken);
    }

    /// <inheritdoc />
    public override async Task<IReadOnlyList<RetrainingRun>> ReadAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var content = await _blob.DownloadContentAsync(cancellationToken);
            return Parse(content.Value.Content.ToString());
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return [];
        }
    }
}
