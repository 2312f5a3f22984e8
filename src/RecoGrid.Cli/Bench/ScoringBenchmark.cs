using System.Diagnostics;
using System.Runtime.InteropServices;
using RecoGrid.Scoring;
using RecoGrid.Scoring.Hosting;
using RecoGrid.Scoring.Onnx;

namespace RecoGrid.Cli.Bench;

/// <summary>
/// Measures the scoring engine on random factors: (a) throughput and latency per batch size with 2 × batch closed-loop
/// callers, (b) throughput with the batcher saturated (4 × batch callers) against raw ONNX Runtime runs of the same batch
/// size, (c) batched vs naive per-request scoring at a fixed number of concurrent callers.
/// </summary>
internal sealed class ScoringBenchmark(ScoringBenchSettings settings, TextWriter progress)
{
    private static readonly TimeSpan MinWarmUp = TimeSpan.FromMilliseconds(500);
    private const int WarmUpBatches = 2;

    internal TimeSpan Duration => TimeSpan.FromSeconds(settings.DurationSeconds);

    public async Task<ScoringBenchReport> RunAsync(CancellationToken cancellationToken)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var loadAtStart = LoadAverage();
        var random = new Random(settings.Seed);
        var clock = Stopwatch.StartNew();
        var artifact = ItemFactorModelExporter.Export(
            ScoringWorkload.ModelVersion,
            ScoringWorkload.RandomVectors(checked(settings.Items * settings.Factors), random),
            settings.Factors,
            Enumerable.Range(0, settings.Items).Select(i => "item-" + i).ToArray());
        var exportSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        using var model = ScoringModel.Load(artifact, new ScoringOptions { IntraOpThreads = settings.IntraOpThreads, ExecutionProvider = settings.ExecutionProvider });
        var loadSeconds = clock.Elapsed.TotalSeconds;
        artifact.Dispose();
        artifact = null;
        GC.Collect();
        progress.WriteLine($"exported in {exportSeconds:F1}s, loaded in {loadSeconds:F1}s");

        var workload = new ScoringWorkload(settings, random);
        var points = new List<BatchSizePoint>();
        foreach (var batchSize in settings.BatchSizes)
        {
            var service = await MeasureServiceAsync(model, workload, batchSize, callers: 2 * batchSize, cancellationToken);
            var (saturated, raw) = await new SaturationComparison(this, model, workload, batchSize).RunAsync(cancellationToken);
            var point = new BatchSizePoint(batchSize, service, saturated, raw, Math.Round(saturated.RequestsPerSecond / raw.RequestsPerSecond, 3));
            points.Add(point);
            progress.WriteLine($"batch {batchSize}: service {service.RequestsPerSecond:F0} req/s (p50 {service.P50Milliseconds:F2} ms, p99 {service.P99Milliseconds:F2} ms), saturated {saturated.RequestsPerSecond:F0} req/s, raw {raw.RequestsPerSecond:F0} req/s, efficiency {point.BatcherEfficiency:P0}");
        }

        var batched = await MeasureServiceAsync(model, workload, ScoringOptions.DefaultMaxBatchSize, settings.Concurrency, cancellationToken);
        var naive = MeasureNaive(model, workload, settings.Concurrency, cancellationToken);
        var comparison = new ConcurrencyComparison(settings.Concurrency, batched, naive, Math.Round(batched.RequestsPerSecond / naive.RequestsPerSecond, 2));
        progress.WriteLine($"{settings.Concurrency} callers: batched {batched.RequestsPerSecond:F0} req/s vs naive {naive.RequestsPerSecond:F0} req/s");
        return new ScoringBenchReport("scoring", startedAt, DescribeMachine(), loadAtStart, LoadAverage(), settings, Math.Round(exportSeconds, 2), Math.Round(loadSeconds, 2), points, comparison);
    }

    /// <summary>Engine options for a measured point: the batch cap under test and a queue deep enough for every caller.</summary>
    internal ScoringOptions ServiceOptions(int maxBatchSize, int callers) => new()
    {
        MaxBatchSize = maxBatchSize,
        QueueCapacity = Math.Max(ScoringOptions.DefaultQueueCapacity, 2 * callers),
        IntraOpThreads = settings.IntraOpThreads,
        ExecutionProvider = settings.ExecutionProvider,
    };

    /// <summary>Closed-loop callers through <see cref="ScoringEngine"/>; the window runs from one batch completion to another.</summary>
    private async Task<LoadMeasurement> MeasureServiceAsync(ScoringModel model, ScoringWorkload workload, int maxBatchSize, int callers, CancellationToken cancellationToken)
    {
        await using var engine = new ScoringEngine(ServiceOptions(maxBatchSize, callers));
        engine.AddVersion(model, activate: true, ownsModel: false);
        var recorder = new LatencyRecorder();
        using var stop = new CancellationTokenSource();
        var loops = Enumerable.Range(0, callers).Select(caller => Task.Run(() => CallerLoopAsync(engine, workload, caller, recorder, null, stop.Token), CancellationToken.None)).ToArray();
        long startTime, endTime;
        Scoring.Batching.ScoringBatchStatistics start, end;
        try
        {
            await WarmUpAsync(engine, cancellationToken);
            (startTime, start) = await NextBatchCompletionAsync(engine, cancellationToken);
            recorder.Start();
            await Task.Delay(Duration, cancellationToken);
            (endTime, end) = await NextBatchCompletionAsync(engine, cancellationToken);
            recorder.Stop();
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(loops);
        }

        // Throughput from the batcher's counters between two batch completions; latencies from the recorder.
        var seconds = Stopwatch.GetElapsedTime(startTime, endTime).TotalSeconds;
        var requests = end.Requests - start.Requests;
        var recorded = recorder.Result(callers, (double)requests / Math.Max(1, end.Batches - start.Batches));
        return recorded with { Requests = requests, Seconds = Math.Round(seconds, 3), RequestsPerSecond = Math.Round(requests / seconds, 1) };
    }

    internal static async Task WarmUpAsync(ScoringEngine engine, CancellationToken cancellationToken)
    {
        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed < MinWarmUp || engine.GetBatchStatistics(ScoringWorkload.ModelVersion)!.Value.Batches < WarmUpBatches)
        {
            await Task.Delay(10, cancellationToken);
        }
    }

    internal static async Task CallerLoopAsync(ScoringEngine engine, ScoringWorkload workload, int caller, LatencyRecorder recorder, CallerGate? gate, CancellationToken stop)
    {
        for (var i = caller; !stop.IsCancellationRequested; i += 7919)
        {
            if (gate is not null)
            {
                await gate.PassAsync();
            }

            var started = Stopwatch.GetTimestamp();
            await engine.ScoreAsync(workload.Request(i), CancellationToken.None);
            recorder.Record(started);
        }
    }

    internal static async Task<(long Timestamp, Scoring.Batching.ScoringBatchStatistics Statistics)> NextBatchCompletionAsync(ScoringEngine engine, CancellationToken cancellationToken)
    {
        var before = engine.GetBatchStatistics(ScoringWorkload.ModelVersion)!.Value.Batches;
        while (true)
        {
            var now = engine.GetBatchStatistics(ScoringWorkload.ModelVersion)!.Value;
            if (now.Batches != before)
            {
                return (Stopwatch.GetTimestamp(), now);
            }

            await Task.Delay(1, cancellationToken);
        }
    }

    /// <summary>Back-to-back ONNX Runtime runs of a full batch on one thread: the ceiling the batcher is compared with.</summary>
    internal sealed class RawRunner(ScoringModel model, ScoringWorkload workload, int batchSize)
    {
        private readonly (float[] Users, ReadOnlyMemory<int>[] Exclusions)[] _blocks =
            Enumerable.Range(0, 4).Select(i => workload.Block(i * batchSize, batchSize)).ToArray();

        private int _runs;

        public LatencyRecorder Recorder { get; } = new();

        public void WarmUp()
        {
            for (var i = 0; i < WarmUpBatches; i++)
            {
                RunOnce(record: false);
            }
        }

        /// <summary>Runs for at least <paramref name="duration"/> and at least <paramref name="minRuns"/> runs, recording each.</summary>
        public void RunFor(TimeSpan duration, int minRuns, CancellationToken cancellationToken)
        {
            Recorder.Start();
            var clock = Stopwatch.StartNew();
            for (var runs = 0; clock.Elapsed < duration || runs < minRuns; runs++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                RunOnce(record: true);
            }

            Recorder.Stop();
        }

        private void RunOnce(bool record)
        {
            var (users, exclusions) = _blocks[_runs++ % _blocks.Length];
            var started = Stopwatch.GetTimestamp();
            model.RunTopK(users, batchSize, exclusions, workload.Count);
            if (record)
            {
                Recorder.Record(started, batchSize);
            }
        }
    }

    /// <summary>Each caller runs its own one-row ONNX Runtime call on a dedicated thread, concurrently on the shared session.</summary>
    private LoadMeasurement MeasureNaive(ScoringModel model, ScoringWorkload workload, int callers, CancellationToken cancellationToken)
    {
        var recorder = new LatencyRecorder();
        using var stop = new CancellationTokenSource();
        var threads = Enumerable.Range(0, callers).Select(caller => new Thread(() =>
        {
            var exclusions = new ReadOnlyMemory<int>[1];
            for (var i = caller; !stop.IsCancellationRequested; i += 7919)
            {
                var request = workload.Request(i);
                exclusions[0] = (int[])request.ExcludeItemIndices!;
                var started = Stopwatch.GetTimestamp();
                model.RunTopK(request.UserVector.Span, 1, exclusions, workload.Count);
                recorder.Record(started);
            }
        })
        { IsBackground = true, Name = "naive-caller-" + caller }).ToArray();
        foreach (var thread in threads)
        {
            thread.Start();
        }

        cancellationToken.WaitHandle.WaitOne(MinWarmUp);
        recorder.Start();
        cancellationToken.WaitHandle.WaitOne(Duration);
        recorder.Stop();
        stop.Cancel();
        foreach (var thread in threads)
        {
            thread.Join();
        }

        cancellationToken.ThrowIfCancellationRequested();
        return recorder.Result(callers, meanBatchSize: 1);
    }

    /// <summary>The machine's 1/5/15-minute load averages: on shared cores they say how much of the CPU the run had.</summary>
    internal static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    internal static string DescribeMachine()
    {
        var cpu = "unknown CPU";
        if (File.Exists("/proc/cpuinfo"))
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(line => line.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }

        return $"{cpu}, {Environment.ProcessorCount} logical cores, {RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, ONNX Runtime CPU provider";
    }
}
