using RecoGrid.Grains.Models;
using RecoGrid.Storage.Models;

namespace RecoGrid.Server.Models;

/// <summary>Every version in the model registry (an erasure fences the user off in all of them, since any may be promoted again).</summary>
public sealed class RegistryModelVersions(IModelRegistry registry) : IModelVersions
{
    public async Task<IReadOnlyList<string>> ListAsync(CancellationToken cancellationToken = default) =>
        [.. (await registry.GetAsync(cancellationToken)).Versions.Select(v => v.Version)];
}
