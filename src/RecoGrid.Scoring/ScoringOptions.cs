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
    public const int DefaultAnnThreshold = 250_000;
    public const int DefaultAnnCandidates = 256;
    public const int DefaultMaxAnnCandidates = 4096;
    public const int DefaultCoVisitationCandidates = 64;
    public const int DefaultPopularCandidates = 32;
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

    /// <summary>
    /// Catalogues of at least this many items use two-stage retrieval (candidates, then ranking) when the version has
    /// an ANN index and the request does not ask otherwise (<c>?retrieval=exact|ann</c>); smaller ones are scored exactly.
    /// 0 makes two-stage the default for every version with an index.
    /// </summary>
    public int AnnThreshold { get; set; } = DefaultAnnThreshold;

    /// <summary>ANN candidates fetched per two-stage request; at least <see cref="OverFetchFactor"/> × count.</summary>
    public int AnnCandidates { get; set; } = DefaultAnnCandidates;

    /// <summary>Most ANN candidates fetched while filters leave a request short, before a filtered search.</summary>
    public int MaxAnnCandidates { get; set; } = DefaultMaxAnnCandidates;

    /// <summary>The ANN search's candidate list (HNSW efSearch); 0 keeps the value recorded with the model version.</summary>
    public int AnnExpansion { get; set; }

    /// <summary>Candidates per two-stage request from items that followed the user's recent items (0 turns the source off).</summary>
    public int CoVisitationCandidates { get; set; } = DefaultCoVisitationCandidates;

    /// <summary>Candidates per two-stage request from the decayed popularity ranking (0 turns the source off).</summary>
    public int PopularCandidates { get; set; } = DefaultPopularCandidates;
}
