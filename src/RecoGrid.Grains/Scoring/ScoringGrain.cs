using Orleans.Concurrency;
using RecoGrid.Abstractions;

namespace RecoGrid.Grains.Scoring;

/// <summary>
/// Front door of a scoring silo's engine. Reentrant, so many calls are in flight at once and the
/// engine's micro-batcher turns them into one matrix product.
/// </summary>
[Reentrant]
[ScoringSiloPlacement]
public sealed class ScoringGrain(IScoringBackend backend, ILocalSiloDetails silo) : Grain, IScoringGrain
{
    public Task<ScoreResponse> Score(ScoreCall call) => backend.ScoreAsync(call, CancellationToken.None);

    public Task<ScoreResponse> Similar(SimilarCall call) => backend.SimilarAsync(call, CancellationToken.None);

    public Task<string> GetSilo() => Task.FromResult(silo.SiloAddress.ToString());
}
