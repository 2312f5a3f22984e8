namespace RecoGrid.Training.Cluster.Contracts;

/// <summary>
/// Coordinates one distributed iALS job: drives the half-steps, sums the blocks' Gram partials in block order and
/// persists progress, so that a job whose silo died resumes from the last completed half-step. Key: the job id.
/// </summary>
[Alias("recogrid.training.ITrainingJobGrain")]
public interface ITrainingJobGrain : IGrainWithStringKey
{
    /// <summary>Starts the job (its data and initial factors are already in the block store); a repeated call is a no-op.</summary>
    [Alias("Start")]
    Task<TrainingJobProgress> Start(TrainingJobSpec spec);

    /// <summary>Where the job is; also resumes a job whose previous activation was lost.</summary>
    [Alias("GetProgress")]
    Task<TrainingJobProgress> GetProgress();

    /// <summary>Stops the job after the blocks in flight; it ends as cancelled.</summary>
    [Alias("Cancel")]
    Task Cancel();
}

/// <summary>
/// Solves one block of rows of one job, on a silo with the training role. Key: the block number, with the job id as
/// key extension. The block's rows stay in memory for the job; the other side's factors are read once per silo and
/// half-step.
/// </summary>
[Alias("recogrid.training.ITrainingWorkerGrain")]
public interface ITrainingWorkerGrain : IGrainWithIntegerCompoundKey
{
    /// <summary>Solves the block's rows for the task's version, writes the factors and their Gram partial to the store.</summary>
    [Alias("Solve")]
    [ResponseTimeout("01:00:00")]
    Task<BlockResult> Solve(BlockTask task);
}
