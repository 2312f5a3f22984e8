using System.Text.Json;
using System.Text.Json.Serialization;
using RecoGrid.Scoring.Retrieval;

namespace RecoGrid.Cli.Bench;

/// <summary>Settings of one `recogrid bench retrieval` run.</summary>
internal sealed record RetrievalBenchSettings(
    int Items,
    int Factors,
    int Users,
    int Count,
    int RecallUsers,
    int Concurrency,
    double DurationSeconds,
    double ExactDurationSeconds,
    int AnnCandidates,
    int Connectivity,
    int ExpansionAdd,
    int ExpansionSearch,
    string Metric,
    string Quantization,
    long Seed,
    string? Directory,
    int BuildThreads = 0,
    string? VersionDirectory = null)
{
    /// <summary>The index parameters these settings ask for.</summary>
    public AnnIndexParameters AnnParameters => new()
    {
        Metric = Metric,
        Connectivity = Connectivity,
        ExpansionAdd = ExpansionAdd,
        ExpansionSearch = ExpansionSearch,
        Quantization = Quantization,
    };
}

/// <summary>What building the version cost: planted factors, ONNX tables, the HNSW index.</summary>
internal sealed record RetrievalBuild(
    double GenerateSeconds,
    double ExportSeconds,
    double IndexBuildSeconds,
    double IndexItemsPerSecond,
    long IndexMemoryBytes,
    long IndexFileBytes,
    double IndexBytesPerItem,
    long FactorTableBytes,
    string Hardware,
    int IndexBuildThreads,
    bool Registered);

/// <summary>The served version as loaded (memory-mapped) and the process's memory then.</summary>
internal sealed record RetrievalServing(double LoadSeconds, long ResidentBytes, long ResidentAnonymousBytes, long ResidentFileBytes);

/// <summary>Recall of two-stage against exact scoring for the same users and count.</summary>
internal sealed record RecallMeasurement(
    int Users,
    int Count,
    double MeanRecall,
    double MinRecall,
    double P10Recall,
    double MeanCandidates,
    double ExactSecondsPerUser,
    long ExhaustiveFallbacks);

/// <summary>Everything a run measured; serialized as the --json output.</summary>
internal sealed record RetrievalBenchReport(
    string Benchmark,
    DateTimeOffset StartedAt,
    string Machine,
    string LoadAverageAtStart,
    string LoadAverageAtEnd,
    RetrievalBenchSettings Settings,
    RetrievalBuild Build,
    RetrievalServing Serving,
    RecallMeasurement Recall,
    LoadMeasurement TwoStage,
    LoadMeasurement? Exact)
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
        var s = Settings;
        writer.WriteLine($"retrieval benchmark: {s.Items:N0} {(s.VersionDirectory is null ? "planted items" : $"items of the registered version {s.VersionDirectory}")} × {s.Factors} factors, count {s.Count}, {s.Concurrency} callers, {s.DurationSeconds}s");
        writer.WriteLine($"machine: {Machine}; load average at start {LoadAverageAtStart}, at end {LoadAverageAtEnd}");
        writer.WriteLine($"index: {s.Metric}, M={s.Connectivity}, efConstruction={s.ExpansionAdd}, efSearch={s.ExpansionSearch}, {s.Quantization}, built by {Build.IndexBuildThreads} thread(s){(Build.Registered ? " when the version was registered" : "")}, kernels {Build.Hardware}");
        writer.WriteLine($"build: {(Build.Registered ? "" : $"factors {Build.GenerateSeconds:F1}s, ONNX tables {Build.ExportSeconds:F1}s, ")}factor tables {Build.FactorTableBytes / 1e6:F0} MB each, index {Build.IndexBuildSeconds:F1}s ({Build.IndexItemsPerSecond:F0} items/s), index file {Build.IndexFileBytes / 1e6:F0} MB = {Build.IndexBytesPerItem:F0} bytes/item{(Build.Registered ? "" : $", in memory while built {Build.IndexMemoryBytes / 1e6:F0} MB")}");
        writer.WriteLine($"serving: loaded (memory-mapped) in {Serving.LoadSeconds:F1}s; resident {Serving.ResidentBytes / 1e6:F0} MB ({Serving.ResidentAnonymousBytes / 1e6:F0} MB anonymous, {Serving.ResidentFileBytes / 1e6:F0} MB file-backed)");
        writer.WriteLine($"recall@{Recall.Count} of two-stage vs exact over {Recall.Users} users: mean {Recall.MeanRecall:F4}, p10 {Recall.P10Recall:F4}, min {Recall.MinRecall:F4}; {Recall.MeanCandidates:F0} candidates per request; exact {Recall.ExactSecondsPerUser * 1000:F1} ms/user batched");
        writer.WriteLine($"two-stage: {TwoStage.RequestsPerSecond:F0} req/s, p50 {TwoStage.P50Milliseconds:F2} ms, p99 {TwoStage.P99Milliseconds:F2} ms, mean ranking batch {TwoStage.MeanBatchSize:F1}");
        if (Exact is not null)
        {
            writer.WriteLine($"exact:     {Exact.RequestsPerSecond:F0} req/s, p50 {Exact.P50Milliseconds:F2} ms, p99 {Exact.P99Milliseconds:F2} ms, mean batch {Exact.MeanBatchSize:F1}");
        }
    }
}
