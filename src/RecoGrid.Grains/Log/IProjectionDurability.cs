namespace RecoGrid.Grains.Log;

/// <summary>
/// Makes the projections' recent writes (user and popularity checkpoints, written without a flush each) durable, before
/// a log partition moves its recovery point past the records they cover.
/// </summary>
public interface IProjectionDurability
{
    Task FlushAsync(CancellationToken cancellationToken);
}

/// <summary>For backends whose every write is durable when it completes.</summary>
public sealed class WritesAreDurable : IProjectionDurability
{
    public Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
