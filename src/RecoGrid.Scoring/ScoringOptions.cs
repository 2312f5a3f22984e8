namespace RecoGrid.Scoring;

/// <summary>Which ONNX Runtime execution provider scores requests.</summary>
public enum ScoringExecutionProvider
{
    /// <summary>The default CPU provider (always available).</summary>
    Cpu,

    /// <summary>NVIDIA CUDA; needs the GPU build (-p:OnnxRuntimeFlavor=Gpu) and CUDA on the machine.</summary>
    Cuda,
}

/// <summary>Settings of the scoring engine, bound from the "Scoring" configuration section.</summary>
public sealed class ScoringOptions
{
    /// <summary>Configuration section the options bind from.</summary>
    public const string SectionName = "Scoring";

    public const int DefaultMaxBatchSize = 256;
    public const int DefaultQueueCapacity = 4096;
    public const int DefaultOverFetchFactor = 4;
    public const int DefaultMaxLoadedVersions = 2;
    public static readonly TimeSpan DefaultMaxBatchDelay = TimeSpan.FromMilliseconds(1);

    /// <summary>Most requests scored in one ONNX Runtime run; a longer queue goes in consecutive batches.</summary>
    public int MaxBatchSize { get; set; } = DefaultMaxBatchSize;

    /// <summary>Longest a queued request waits for company before a partial batch goes; zero flushes at once.</summary>
    public TimeSpan MaxBatchDelay { get; set; } = DefaultMaxBatchDelay;

    /// <summary>Requests that may wait per model version; beyond it callers get <see cref="ScoringOverloadedException"/>.</summary>
    public int QueueCapacity { get; set; } = DefaultQueueCapacity;

    /// <summary>Execution provider for the ONNX Runtime sessions.</summary>
    public ScoringExecutionProvider ExecutionProvider { get; set; } = ScoringExecutionProvider.Cpu;

    /// <summary>When the requested provider cannot be loaded, warn and use the CPU instead of failing at start-up.</summary>
    public bool AllowCpuFallback { get; set; }

    /// <summary>ONNX Runtime intra-op threads per session; 0 lets ONNX Runtime pick (one per physical core).</summary>
    public int IntraOpThreads { get; set; }

    /// <summary>
    /// Let idle ONNX Runtime intra-op threads spin between runs. Off by default: on a silo the spinning cores are
    /// needed by the callers that form the next batch.
    /// </summary>
    public bool IntraOpSpinning { get; set; }

    /// <summary>With a filter, fetch this many times the requested count before filtering in C#.</summary>
    public int OverFetchFactor { get; set; } = DefaultOverFetchFactor;

    /// <summary>Model versions kept loaded (the active one and the previous ones) so pinned requests keep working.</summary>
    public int MaxLoadedVersions { get; set; } = DefaultMaxLoadedVersions;
}
