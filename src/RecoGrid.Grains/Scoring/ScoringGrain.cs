using Microsoft.Extensions.DependencyInjection;
using Orleans.Concurrency;
using RecoGrid.Abstractions;

namespace RecoGrid.Grains.Scoring;

/// <summary>
/// Front door of a scoring silo's engine. Reentrant, so many calls are in flight at once and the
/// engine's micro-batcher turns them into one matrix product.
/// </summary>
[Reentrant]
[ScoringSiloPlacement]
public sealed class ScoringGrain(IServiceProvider services, ILocalSiloDetails silo) : Grain, IScoringGrain
{
    private readonly IScoringBackend? _backend = services.GetService<IScoringBackend>();

    public Task<ScoreResponse> Score(ScoreCall call)
    {
        if (_backend is null)
        {
            return Task.FromResult(new ScoreResponse(ScoreStatus.VersionNotLoaded, [], call.ModelVersion, TimeSpan.Zero, "This silo has no scoring engine."));
        }

        return _backend.ScoreAsync(call, CancellationToken.None);
    }

    public Task<string> GetSilo() => Task.FromResult(silo.SiloAddress.ToString());
}
