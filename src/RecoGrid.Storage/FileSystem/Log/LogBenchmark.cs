using System.Diagnostics;
using System.Text.Json;
using RecoGrid.Storage.Log;

namespace RecoGrid.Storage.FileSystem.Log;

/// <summary>Settings of a <see cref="LogBenchmark"/> run.</summary>
public sealed record LogBenchmarkSettings
{
    /// <summary>A scratch folder on the disk to measure; each scenario uses (and removes) its own sub-folder.</summary>
    public required string Directory { get; init; }

    /// <summary>How long each scenario runs.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(5);

    public int Callers { get; init; } = 64;

    public int RecordsPerAppend { get; init; } = 100;

    public int PayloadBytes { get; init; } = 60;

    public int Partitions { get; init; } = 4;

    /// <summary>Bytes of each write in the raw write + fsync scenario.</summary>
    public int RawWriteBytes { get; init; } = 128;
}

/// <summary>One scenario's figures; <see cref="LogBenchmark"/> prints each as a JSON line.</summary>
public sealed record LogBenchmarkResult(
    string Scenario,
    bool FlushToDisk,
    int Partitions,
    int Callers,
    int RecordsPerAppend,
    int PayloadBytes,
    double Seconds,
    long Appends,
    long Records,
    long Flushes,
    double AppendsPerSecond,
    double RecordsPerSecond,
    double FlushesPerSecond,
    double MeanRecordsPerFlush,
    double MeanFlushMs,
    double MaxFlushMs,
    double AppendP50Ms,
    double AppendP99Ms);

/// <summary>
/// Measures the disk under a folder: (a) the raw rate of small <c>write + fsync</c> to one file, the ceiling for
/// ungrouped durable appends; (b) group-committed appends with many concurrent callers over several partitions, with and without fsync.
/// </summary>
public static class LogBenchmark
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Runs every scenario in turn, writing one JSON line per result to <paramref name="output"/>.</summary>
    public static async Task<IReadOnlyList<LogBenchmarkResult>> RunAsync(LogBenchmarkSettings settings, TextWriter? output = null, CancellationToken cancellationToken = default)
    {
        var results = new List<LogBenchmarkResult>
        {
            RawWriteAndFsync(settings),
            await GroupCommitAsync(settings, flushToDisk: true, cancellationToken),
            await GroupCommitAsync(settings, flushToDisk: false, cancellationToken),
        };

        foreach (var result in results)
        {
            output?.WriteLine(JsonSerializer.Serialize(result, Json));
        }

        return results;
    }

    /// <summary>Appends <see cref="LogBenchmarkSettings.RawWriteBytes"/> at the end of one file and fsyncs, over and over, on one thread.</summary>
    public static LogBenchmarkResult RawWriteAndFsync(LogBenchmarkSettings settings)
    {
        var folder = Scratch(settings, "raw");
        try
        {
            using var handle = File.OpenHandle(Path.Combine(folder, "raw.bin"), FileMode.CreateNew, FileAccess.ReadWrite);
            var data = new byte[settings.RawWriteBytes];
            var latencies = new List<double>();
            long offset = 0;
            var clock = Stopwatch.StartNew();
            while (clock.Elapsed < settings.Duration)
            {
                var started = Stopwatch.GetTimestamp();
                RandomAccess.Write(handle, data, offset);
                RandomAccess.FlushToDisk(handle);
                latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                offset += data.Length;
            }

            var seconds = clock.Elapsed.TotalSeconds;
            latencies.Sort();
            var rate = latencies.Count / seconds;
            return new LogBenchmarkResult(
                "raw-write-fsync", true, 1, 1, 1, settings.RawWriteBytes, seconds, latencies.Count, latencies.Count, latencies.Count,
                rate, rate, rate, 1, latencies.Average(), latencies[^1], Percentile(latencies, 0.50), Percentile(latencies, 0.99));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// <see cref="LogBenchmarkSettings.Callers"/> callers, spread round-robin over the partitions, each appending
    /// batches of <see cref="LogBenchmarkSettings.RecordsPerAppend"/> records through one group committer per partition.
    /// </summary>
    public static async Task<LogBenchmarkResult> GroupCommitAsync(LogBenchmarkSettings settings, bool flushToDisk, CancellationToken cancellationToken = default)
    {
        var folder = Scratch(settings, flushToDisk ? "group-fsync" : "group-nofsync");
        try
        {
            var store = new FileInteractionLogStore(new FileInteractionLogOptions
            {
                RootDirectory = folder,
                Partitions = settings.Partitions,
                FlushToDisk = flushToDisk,
            });
            var committers = new LogGroupCommitter[settings.Partitions];
            for (var p = 0; p < committers.Length; p++)
            {
                committers[p] = new LogGroupCommitter(await store.OpenWriterAsync(p, cancellationToken));
            }

            var batch = Enumerable.Range(0, settings.RecordsPerAppend)
                .Select(i => new LogAppend((byte)(i % 4), Enumerable.Repeat((byte)('a' + (i % 26)), settings.PayloadBytes).ToArray()))
                .ToArray();
            var latencies = new List<double>[settings.Callers];
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, settings.Callers).Select(caller => Task.Run(async () =>
            {
                var committer = committers[caller % committers.Length];
                var mine = latencies[caller] = [];
                while (clock.Elapsed < settings.Duration && !cancellationToken.IsCancellationRequested)
                {
                    var started = Stopwatch.GetTimestamp();
                    await committer.AppendAsync(batch, cancellationToken);
                    mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                }
            }, cancellationToken)));
            var seconds = clock.Elapsed.TotalSeconds;

            var counters = committers.Select(c => c.Counters).ToList();
            foreach (var committer in committers)
            {
                await committer.DisposeAsync();
            }

            var all = latencies.SelectMany(l => l).Order().ToList();
            var flushes = counters.Sum(c => c.Flushes);
            var records = counters.Sum(c => c.Records);
            return new LogBenchmarkResult(
                flushToDisk ? "group-commit-fsync" : "group-commit-no-fsync",
                flushToDisk,
                settings.Partitions,
                settings.Callers,
                settings.RecordsPerAppend,
                settings.PayloadBytes,
                seconds,
                counters.Sum(c => c.Appends),
                records,
                flushes,
                counters.Sum(c => c.Appends) / seconds,
                records / seconds,
                flushes / seconds,
                flushes == 0 ? 0 : (double)records / flushes,
                flushes == 0 ? 0 : counters.Sum(c => c.TotalFlushTime.TotalMilliseconds) / flushes,
                counters.Count == 0 ? 0 : counters.Max(c => c.MaxFlushTime.TotalMilliseconds),
                Percentile(all, 0.50),
                Percentile(all, 0.99));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static string Scratch(LogBenchmarkSettings settings, string scenario)
    {
        var folder = Path.Combine(Path.GetFullPath(settings.Directory), $"{scenario}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        return folder;
    }

    private static double Percentile(List<double> sorted, double quantile) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)(quantile * sorted.Count))];
}
