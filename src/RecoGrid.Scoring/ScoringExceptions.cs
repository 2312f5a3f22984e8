namespace RecoGrid.Scoring;

/// <summary>The scoring queue is full: retry after <see cref="RetryAfter"/> (the HTTP layer answers 503 with Retry-After).</summary>
public sealed class ScoringOverloadedException : Exception
{
    public ScoringOverloadedException(string modelVersion, int queueCapacity, TimeSpan retryAfter)
        : base($"Scoring for model version '{modelVersion}' is overloaded: {queueCapacity} requests are already queued (Scoring:QueueCapacity). Retry after {retryAfter.TotalMilliseconds:F0} ms.")
    {
        ModelVersion = modelVersion;
        QueueCapacity = queueCapacity;
        RetryAfter = retryAfter;
    }

    public string ModelVersion { get; }

    public int QueueCapacity { get; }

    /// <summary>Suggested wait: roughly the time to drain the queue at the recent batch rate.</summary>
    public TimeSpan RetryAfter { get; }
}

/// <summary>The request's user vector belongs to a model version that is not loaded; re-fold the user against <see cref="ActiveVersion"/>.</summary>
public sealed class ModelVersionNotLoadedException : Exception
{
    public ModelVersionNotLoadedException(string requestedVersion, string? activeVersion, IReadOnlyList<string> loadedVersions)
        : base($"Model version '{requestedVersion}' is not loaded for scoring (active: '{activeVersion ?? "none"}'; loaded: {string.Join(", ", loadedVersions)}).")
    {
        RequestedVersion = requestedVersion;
        ActiveVersion = activeVersion;
        LoadedVersions = loadedVersions;
    }

    public string RequestedVersion { get; }

    /// <summary>The version new requests should use, or null when no model is loaded yet.</summary>
    public string? ActiveVersion { get; }

    public IReadOnlyList<string> LoadedVersions { get; }
}

/// <summary>The configured execution provider cannot be used and CPU fallback is off; raised at model load (start-up).</summary>
public sealed class ExecutionProviderUnavailableException : Exception
{
    public ExecutionProviderUnavailableException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The item has no factors in the model version (unknown to it, e.g. catalogued after it was trained).</summary>
public sealed class ItemNotInModelException : Exception
{
    public ItemNotInModelException(string itemId, string modelVersion)
        : base($"Item '{itemId}' is not in model version '{modelVersion}'.")
    {
        ItemId = itemId;
        ModelVersion = modelVersion;
    }

    public string ItemId { get; }

    public string ModelVersion { get; }
}
