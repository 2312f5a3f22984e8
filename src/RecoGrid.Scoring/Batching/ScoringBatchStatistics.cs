namespace RecoGrid.Scoring.Batching;

/// <summary>Counters of one version's batcher: batches run, requests they carried, requests waiting now.</summary>
public readonly record struct ScoringBatchStatistics(long Batches, long Requests, int QueueLength)
{
    /// <summary>Average requests per batch so far (0 before the first batch).</summary>
    public double MeanBatchSize => Batches == 0 ? 0 : (double)Requests / Batches;
}
