namespace RecoGrid.Grains.Models;

/// <summary>The model versions whose artifacts may serve users (every registered version: a rollback may bring any back).</summary>
public interface IModelVersions
{
    Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken = default);
}

/// <summary>Without a registry: the version this silo serves.</summary>
public sealed class ActiveModelVersions(IActiveModelSource models) : IModelVersions
{
    public Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<string>>(models.Current is { } current ? [current.Version] : []);
}
