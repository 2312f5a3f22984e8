namespace RecoGrid.Storage.Training;

/// <summary>
/// Where a distributed training job keeps its blocks (rows of the data, factor blocks, Gram partials), so factors
/// travel between silos through storage rather than as large grain messages. Names are '/'-separated paths of
/// letters, digits, '.', '-' and '_'. A write replaces the block atomically; blocks are scratch data of one job.
/// </summary>
public interface ITrainingBlockStore
{
    /// <summary>Writes (or replaces) the block <paramref name="name"/>.</summary>
    Task WriteAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default);

    /// <summary>Reads the block <paramref name="name"/>.</summary>
    /// <exception cref="TrainingBlockNotFoundException">No such block.</exception>
    Task<byte[]> ReadAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Whether the block exists.</summary>
    Task<bool> ExistsAsync(string name, CancellationToken cancellationToken = default);

    /// <summary>Deletes every block whose name starts with <paramref name="prefix"/> followed by '/'.</summary>
    Task DeleteAllAsync(string prefix, CancellationToken cancellationToken = default);
}

/// <summary>Thrown when a block that a job needs is not in the store.</summary>
public sealed class TrainingBlockNotFoundException(string name)
    : Exception($"The training block '{name}' is not in the block store (the job's scratch data was removed, or a node uses another data folder).")
{
    /// <summary>The missing block.</summary>
    public string Name { get; } = name;
}
