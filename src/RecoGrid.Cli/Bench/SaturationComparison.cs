using System.Diagnostics;
using RecoGrid.Scoring;
using RecoGrid.Scoring.Hosting;

namespace RecoGrid.Cli.Bench;

/// <summary>
/// (b) Batching overhead at saturation: 4 × batch closed-loop callers keep the queue full, and their throughput is
/// compared with raw ONNX Runtime runs of the same batch size. The two alternate in slices (service, raw, service, …)
/// with the callers parked during raw slices, so drifting background load on shared cores hits both alike.
/// </summary>
internal sealed class SaturationComparison(ScoringBenchmark benchmark, ScoringModel model, ScoringWorkload workload, int batchSize)
{
    private const int Slices = 4;

    public async Task<(LoadMeasurement Saturated, LoadMeasurement Raw)> RunAsync(CancellationToken cancellationToken)
    {
        var callers = 4 * batchSize;
        var slice = benchmark.Duration / Slices;
        await using var engine = new ScoringEngine(benchmark.ServiceOptions(batchSize, callers));
        engine.AddVersion(model, activate: true, ownsModel: false);
        var recorder = new LatencyRecorder();
        var gate = new CallerGate();
        var raw = new ScoringBenchmark.RawRunner(model, workload, batchSize);
        using var stop = new CancellationTokenSource();
        var loops = Enumerable.Range(0, callers)
            .Select(caller => Task.Run(() => ScoringBenchmark.CallerLoopAsync(engine, workload, caller, recorder, gate, stop.Token), CancellationToken.None))
            .ToArray();
        long requests = 0, batches = 0;
        var seconds = 0.0;
        try
        {
            await ScoringBenchmark.WarmUpAsync(engine, cancellationToken);
            for (var i = 0; i < Slices; i++)
            {
                if (i > 0)
                {
                    // Let the resumed callers settle into full batches before the next window opens.
                    gate.Open();
                    await ScoringBenchmark.NextBatchCompletionAsync(engine, cancellationToken);
                    await ScoringBenchmark.NextBatchCompletionAsync(engine, cancellationToken);
                }

                var (startTime, start) = await ScoringBenchmark.NextBatchCompletionAsync(engine, cancellationToken);
                recorder.Start();
                await Task.Delay(slice, cancellationToken);
                var (endTime, end) = await ScoringBenchmark.NextBatchCompletionAsync(engine, cancellationToken);
                recorder.Stop();
                requests += end.Requests - start.Requests;
                batches += end.Batches - start.Batches;
                seconds += Stopwatch.GetElapsedTime(startTime, endTime).TotalSeconds;

                // Park every caller (each finishes its request first), then give the machine to raw runs.
                gate.Close();
                while (gate.Parked < callers)
                {
                    await Task.Delay(1, cancellationToken);
                }

                if (i == 0)
                {
                    raw.WarmUp();
                }

                raw.RunFor(slice, minRuns: 2, cancellationToken);
            }
        }
        finally
        {
            await stop.CancelAsync();
            gate.Open();
            await Task.WhenAll(loops);
        }

        var saturated = recorder.Result(callers, (double)requests / Math.Max(1, batches)) with
        {
            Requests = requests,
            Seconds = Math.Round(seconds, 3),
            RequestsPerSecond = Math.Round(requests / seconds, 1),
        };
        return (saturated, raw.Recorder.Result(callers: 1, meanBatchSize: batchSize));
    }
}

/// <summary>Lets benchmark callers be parked between requests; counts how many are parked.</summary>
internal sealed class CallerGate
{
    private TaskCompletionSource _open = NewOpen();
    private int _parked;

    public int Parked => Volatile.Read(ref _parked);

    public async ValueTask PassAsync()
    {
        var open = Volatile.Read(ref _open).Task;
        if (open.IsCompleted)
        {
            return;
        }

        Interlocked.Increment(ref _parked);
        await open;
        Interlocked.Decrement(ref _parked);
    }

    public void Close() => Volatile.Write(ref _open, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    public void Open() => Volatile.Read(ref _open).TrySetResult();

    private static TaskCompletionSource NewOpen()
    {
        var open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        open.SetResult();
        return open;
    }
}
