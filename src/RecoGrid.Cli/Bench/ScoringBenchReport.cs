using System.Text.Json;
using System.Text.Json.Serialization;
using RecoGrid.Scoring;

namespace RecoGrid.Cli.Bench;

/// <summary>Settings of one `recogrid bench scoring` run.</summary>
internal sealed record ScoringBenchSettings(
    int Items,
    int Factors,
    IReadOnlyList<int> BatchSizes,
    int Concurrency,
    double DurationSeconds,
    int Count,
    int Exclusions,
    int IntraOpThreads,
    int Seed,
    [property: JsonConverter(typeof(JsonStringEnumConverter<ScoringExecutionProvider>))] ScoringExecutionProvider ExecutionProvider = ScoringExecutionProvider.Cpu);

/// <summary>Throughput and latency of one measured point.</summary>
internal sealed record LoadMeasurement(
    int Callers,
    long Requests,
    double Seconds,
    double RequestsPerSecond,
    double P50Milliseconds,
    double P99Milliseconds,
    double MeanBatchSize);

/// <summary>
/// One batch size: the service with 2 × batch callers (enough to fill every batch), the service saturated with 4 × batch
/// callers (the queue always holds the next full batch), and raw ONNX Runtime runs of that batch size.
/// </summary>
internal sealed record BatchSizePoint(
    int BatchSize,
    LoadMeasurement Service,
    LoadMeasurement Saturated,
    LoadMeasurement RawOnnxRuntime,
    double BatcherEfficiency);

/// <summary>Batched vs naive per-request scoring at the same number of concurrent callers.</summary>
internal sealed record ConcurrencyComparison(
    int Callers,
    LoadMeasurement Batched,
    LoadMeasurement Naive,
    double SpeedUp);

/// <summary>Everything a run measured; serialized as the --json output.</summary>
internal sealed record ScoringBenchReport(
    string Benchmark,
    DateTimeOffset StartedAt,
    string Machine,
    string LoadAverageAtStart,
    string LoadAverageAtEnd,
    ScoringBenchSettings Settings,
    double ExportSeconds,
    double LoadSeconds,
    IReadOnlyList<BatchSizePoint> BatchSizes,
    ConcurrencyComparison Concurrency)
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public void WriteText(TextWriter writer)
    {
        writer.WriteLine($"scoring benchmark: {Settings.Items} items × {Settings.Factors} factors, count {Settings.Count}, {Settings.Exclusions} exclusions/request, {Settings.DurationSeconds}s per point, {Settings.ExecutionProvider} execution provider");
        writer.WriteLine($"machine: {Machine}; export {ExportSeconds:F1}s, session load {LoadSeconds:F1}s");
        writer.WriteLine($"load average (1/5/15 min) at start: {LoadAverageAtStart}; at end: {LoadAverageAtEnd}");
        writer.WriteLine();
        writer.WriteLine("(a) service with 2 × batch callers; (b) saturated (4 × batch callers) vs raw ONNX Runtime runs of the same batch size");
        writer.WriteLine($"{"batch",6} {"service req/s",14} {"p50 ms",9} {"p99 ms",9} {"mean batch",11} {"saturated req/s",16} {"mean batch",11} {"raw req/s",10} {"raw run p50 ms",15} {"efficiency",11}");
        foreach (var point in BatchSizes)
        {
            writer.WriteLine($"{point.BatchSize,6} {point.Service.RequestsPerSecond,14:F0} {point.Service.P50Milliseconds,9:F2} {point.Service.P99Milliseconds,9:F2} {point.Service.MeanBatchSize,11:F1} {point.Saturated.RequestsPerSecond,16:F0} {point.Saturated.MeanBatchSize,11:F1} {point.RawOnnxRuntime.RequestsPerSecond,10:F0} {point.RawOnnxRuntime.P50Milliseconds,15:F2} {point.BatcherEfficiency,10:P0}");
        }

        writer.WriteLine();
        writer.WriteLine($"(c) {Concurrency.Callers} concurrent callers: batched vs naive (one ONNX Runtime run per request)");
        writer.WriteLine($"  batched: {Concurrency.Batched.RequestsPerSecond:F0} req/s, p50 {Concurrency.Batched.P50Milliseconds:F2} ms, p99 {Concurrency.Batched.P99Milliseconds:F2} ms, mean batch {Concurrency.Batched.MeanBatchSize:F1}");
        writer.WriteLine($"  naive:   {Concurrency.Naive.RequestsPerSecond:F0} req/s, p50 {Concurrency.Naive.P50Milliseconds:F2} ms, p99 {Concurrency.Naive.P99Milliseconds:F2} ms");
        writer.WriteLine($"  speed-up: {Concurrency.SpeedUp:F2}×");
    }
}
