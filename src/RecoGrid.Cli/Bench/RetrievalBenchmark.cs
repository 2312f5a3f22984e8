using System.Diagnostics;
using RecoGrid.Scoring;
using RecoGrid.Scoring.Hosting;
using RecoGrid.Scoring.Onnx;
using RecoGrid.Scoring.Retrieval;
using RecoGrid.Training.Artifacts;
using RecoGrid.Training.Synthetic;

namespace RecoGrid.Cli.Bench;

/// <summary>
/// Builds a planted catalogue as `recogrid models add` would (ONNX factor tables, HNSW index saved beside them), loads
/// it memory-mapped as a scoring silo does, then measures through <see cref="ScoringEngine"/>: recall@count of two-stage
/// against exact scoring for the same users, two-stage throughput and latency with closed-loop callers, and optionally
/// the exact path's for comparison.
/// </summary>
internal sealed class RetrievalBenchmark(RetrievalBenchSettings settings, TextWriter progress)
{
    private const string Version = "bench";

    public async Task<RetrievalBenchReport> RunAsync(CancellationToken cancellationToken)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var loadAtStart = ScoringBenchmark.LoadAverage();
        var directory = settings.VersionDirectory is { } version
            ? Path.Combine(version, "scoring")
            : settings.Directory ?? Path.Combine(Path.GetTempPath(), "recogrid-bench-retrieval-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (build, users) = settings.VersionDirectory is null ? await BuildAsync(directory, cancellationToken) : ReadVersion(settings.VersionDirectory);
            var clock = Stopwatch.StartNew();
            using var artifact = await ScoringModelArtifact.LoadAsync(directory, Version, settings.Factors, cancellationToken);
            build = build with { Hardware = artifact.AnnIndex?.HardwareAcceleration ?? build.Hardware };
            var options = new ScoringOptions
            {
                AnnThreshold = 0,
                AnnCandidates = settings.AnnCandidates,
                QueueCapacity = Math.Max(ScoringOptions.DefaultQueueCapacity, 4 * settings.Concurrency),
            };
            await using var engine = new ScoringEngine(options);
            engine.LoadVersion(artifact);
            var serving = new RetrievalServing(Math.Round(clock.Elapsed.TotalSeconds, 2), Status("VmRSS"), Status("RssAnon"), Status("RssFile"));
            progress.WriteLine($"loaded (memory-mapped) in {serving.LoadSeconds:F1}s, resident {serving.ResidentBytes / 1e6:F0} MB");

            var recall = await MeasureRecallAsync(engine, users, cancellationToken);
            progress.WriteLine($"recall@{recall.Count}: mean {recall.MeanRecall:F4} over {recall.Users} users ({recall.MeanCandidates:F0} candidates/request)");
            var twoStage = await MeasureLoadAsync(engine, users, RetrievalMode.Ann, settings.DurationSeconds, cancellationToken);
            progress.WriteLine($"two-stage: {twoStage.RequestsPerSecond:F0} req/s, p50 {twoStage.P50Milliseconds:F2} ms, p99 {twoStage.P99Milliseconds:F2} ms");
            LoadMeasurement? exact = null;
            if (settings.ExactDurationSeconds > 0)
            {
                exact = await MeasureLoadAsync(engine, users, RetrievalMode.Exact, settings.ExactDurationSeconds, cancellationToken);
                progress.WriteLine($"exact: {exact.RequestsPerSecond:F0} req/s, p50 {exact.P50Milliseconds:F2} ms, p99 {exact.P99Milliseconds:F2} ms");
            }

            return new RetrievalBenchReport("retrieval", startedAt, ScoringBenchmark.DescribeMachine(), loadAtStart, ScoringBenchmark.LoadAverage(), settings, build, serving, recall, twoStage, exact);
        }
        finally
        {
            if (settings.Directory is null && settings.VersionDirectory is null && Directory.Exists(directory))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }

    /// <summary>Planted factors → factor tables and graphs → HNSW index, all into <paramref name="directory"/>.</summary>
    private async Task<(RetrievalBuild Build, float[] Users)> BuildAsync(string directory, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var planted = new SyntheticFactors(new SyntheticFactorOptions
        {
            Items = settings.Items,
            Users = settings.Users,
            Factors = settings.Factors,
            Seed = settings.Seed,
        });
        var users = planted.Users();
        var items = planted.Items();
        var generateSeconds = clock.Elapsed.TotalSeconds;
        progress.WriteLine($"planted {settings.Items:N0} items and {settings.Users:N0} users in {generateSeconds:F1}s");

        clock.Restart();
        var ids = new string[settings.Items];
        for (var i = 0; i < ids.Length; i++)
        {
            ids[i] = "item-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        using var exported = ItemFactorModelExporter.Export(Version, items, settings.Factors, ids, directory);
        var exportSeconds = clock.Elapsed.TotalSeconds;
        progress.WriteLine($"wrote the ONNX factor tables in {exportSeconds:F1}s");

        var parameters = settings.AnnParameters;
        var lastReport = Stopwatch.StartNew();
        var report = new Progress<long>(added =>
        {
            if (lastReport.Elapsed.TotalSeconds >= 10)
            {
                lastReport.Restart();
                progress.WriteLine($"  indexed {added:N0} of {settings.Items:N0} items");
            }
        });
        var index = await Task.Run(() => AnnIndex.Build(items, settings.Factors, parameters, progress: report, cancellationToken: cancellationToken, buildThreads: settings.BuildThreads), cancellationToken);
        var memory = index.MemoryBytes;
        var hardware = index.HardwareAcceleration;
        exported.WithAnnIndex(index);
        await exported.SaveAsync(directory, cancellationToken);
        var info = AnnIndexInfo.Read(Path.Combine(directory, AnnIndex.InfoFileName));
        progress.WriteLine($"built the index in {info.BuildSeconds:F1}s: {info.FileBytes / 1e6:F0} MB on disk, {memory / 1e6:F0} MB in memory while built");
        var build = new RetrievalBuild(
            Math.Round(generateSeconds, 2),
            Math.Round(exportSeconds, 2),
            info.BuildSeconds,
            Math.Round(settings.Items / Math.Max(info.BuildSeconds, 1e-9), 0),
            memory,
            info.FileBytes,
            Math.Round((double)info.FileBytes / settings.Items, 1),
            exported.Tables!.Length * sizeof(float),
            hardware,
            info.BuildThreads,
            Registered: false);
        return (build, users);
    }

    /// <summary>
    /// A version registered by `recogrid models add`: what its index build recorded, and the first
    /// <see cref="RetrievalBenchSettings.Users"/> user vectors of its training artifact as the queries.
    /// </summary>
    private (RetrievalBuild Build, float[] Users) ReadVersion(string version)
    {
        var scoring = Path.Combine(version, "scoring");
        var info = AnnIndexInfo.Read(Path.Combine(scoring, AnnIndex.InfoFileName));
        using var lookup = UserVectorLookup.Open(Path.Combine(version, "training"));
        var users = new float[settings.Users * settings.Factors];
        for (var row = 0; row < settings.Users; row++)
        {
            lookup.CopyRow(row, users.AsSpan(row * settings.Factors, settings.Factors));
        }

        progress.WriteLine($"measuring the version in '{version}': {info.Items:N0} items, index built in {info.BuildSeconds:F0}s by {info.BuildThreads} thread(s), {settings.Users:N0} of its users as queries");
        var build = new RetrievalBuild(
            0,
            0,
            info.BuildSeconds,
            Math.Round(info.Items / Math.Max(info.BuildSeconds, 1e-9), 0),
            0,
            info.FileBytes,
            Math.Round((double)info.FileBytes / Math.Max(1, info.Items), 1),
            new FileInfo(Path.Combine(scoring, ItemFactorTables.ItemMajorFileName)).Length,
            Hardware: "", // read from the index once the version is loaded
            info.BuildThreads,
            Registered: true);
        return (build, users);
    }

    /// <summary>The same users, exact and two-stage: recall@count is the share of the exact top count that two-stage returns.</summary>
    private async Task<RecallMeasurement> MeasureRecallAsync(ScoringEngine engine, float[] users, CancellationToken cancellationToken)
    {
        var count = settings.Count;
        var sample = Math.Min(settings.RecallUsers, settings.Users);
        var recalls = new double[sample];
        var candidates = new double[sample];
        var clock = Stopwatch.StartNew();
        var exact = await ForEachUserAsync(sample, user => engine.ScoreAsync(Request(users, user, RetrievalMode.Exact), cancellationToken));
        var exactSeconds = clock.Elapsed.TotalSeconds / Math.Max(1, sample);
        var before = engine.PathCounts.ExhaustiveFallbacks;
        var twoStage = await ForEachUserAsync(sample, user => engine.ScoreAsync(Request(users, user, RetrievalMode.Ann), cancellationToken));
        for (var user = 0; user < sample; user++)
        {
            var truth = exact[user].Items.Select(i => i.Index).ToHashSet();
            recalls[user] = truth.Count == 0 ? 1 : twoStage[user].Items.Count(i => truth.Contains(i.Index)) / (double)truth.Count;
            candidates[user] = twoStage[user].Candidates;
        }

        var sorted = recalls.Order().ToArray();
        return new RecallMeasurement(
            sample,
            count,
            Math.Round(recalls.Average(), 4),
            Math.Round(sorted[0], 4),
            Math.Round(sorted[sorted.Length / 10], 4),
            Math.Round(candidates.Average(), 1),
            Math.Round(exactSeconds, 5),
            engine.PathCounts.ExhaustiveFallbacks - before);
    }

    private async Task<ScoringResult[]> ForEachUserAsync(int users, Func<int, Task<ScoringResult>> score)
    {
        var results = new ScoringResult[users];
        var next = -1;
        var workers = Enumerable.Range(0, Math.Min(users, settings.Concurrency)).Select(_ => Task.Run(async () =>
        {
            for (var user = Interlocked.Increment(ref next); user < users; user = Interlocked.Increment(ref next))
            {
                results[user] = await score(user);
            }
        }));
        await Task.WhenAll(workers);
        return results;
    }

    /// <summary>Closed-loop callers on one path for <paramref name="seconds"/>, after a one-second warm-up.</summary>
    private async Task<LoadMeasurement> MeasureLoadAsync(ScoringEngine engine, float[] users, RetrievalMode path, double seconds, CancellationToken cancellationToken)
    {
        var recorder = new LatencyRecorder();
        using var stop = new CancellationTokenSource();
        var callers = Enumerable.Range(0, settings.Concurrency).Select(caller => Task.Run(async () =>
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                var started = Stopwatch.GetTimestamp();
                await engine.ScoreAsync(Request(users, (caller + (i * settings.Concurrency)) % settings.Users, path), CancellationToken.None);
                recorder.Record(started);
            }
        }, CancellationToken.None)).ToArray();
        await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        var start = path == RetrievalMode.Ann ? engine.GetCandidateBatchStatistics(Version)!.Value : engine.GetBatchStatistics(Version)!.Value;
        recorder.Start();
        await Task.Delay(TimeSpan.FromSeconds(seconds), cancellationToken);
        recorder.Stop();
        var end = path == RetrievalMode.Ann ? engine.GetCandidateBatchStatistics(Version)!.Value : engine.GetBatchStatistics(Version)!.Value;
        await stop.CancelAsync();
        await Task.WhenAll(callers);
        var batches = end.Batches - start.Batches;
        return recorder.Result(settings.Concurrency, batches == 0 ? 0 : (double)(end.Requests - start.Requests) / batches);
    }

    private ScoringRequest Request(float[] users, int user, RetrievalMode path) => new()
    {
        ModelVersion = Version,
        UserVector = users.AsMemory(user * settings.Factors, settings.Factors),
        Count = settings.Count,
        Retrieval = path,
    };

    /// <summary>A /proc/self/status memory line in bytes (0 where there is none).</summary>
    private static long Status(string key)
    {
        if (!File.Exists("/proc/self/status"))
        {
            return 0;
        }

        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith(key + ":", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split(':', 2)[1].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}
