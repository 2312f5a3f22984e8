using RecoGrid.Abstractions;

namespace RecoGrid.Grains.Scoring;

/// <summary>The silo-local ranking engine a scoring grain hands its calls to (ONNX Runtime, registered on scoring silos).</summary>
public interface IScoringBackend
{
    Task<ScoreResponse> ScoreAsync(ScoreCall call, CancellationToken cancellationToken);

    /// <summary>The items most similar to one item; engines without the similar-items graph say the version is not loaded.</summary>
    Task<ScoreResponse> SimilarAsync(SimilarCall call, CancellationToken cancellationToken) =>
        Task.FromResult(new ScoreResponse(ScoreStatus.VersionNotLoaded, [], call.ModelVersion, TimeSpan.Zero, "This silo ranks no similar items."));
}
