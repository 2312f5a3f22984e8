using RecoGrid.Abstractions;

namespace RecoGrid.Grains.Scoring;

/// <summary>The backend of a silo without a scoring engine: every call says so (placement keeps scoring grains off such silos).</summary>
public sealed class NoScoringBackend : IScoringBackend
{
    public Task<ScoreResponse> ScoreAsync(ScoreCall call, CancellationToken cancellationToken) =>
        Task.FromResult(new ScoreResponse(ScoreStatus.VersionNotLoaded, [], call.ModelVersion, TimeSpan.Zero, "This silo has no scoring engine."));
}
