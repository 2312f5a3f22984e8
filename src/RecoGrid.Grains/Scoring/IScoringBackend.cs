using RecoGrid.Abstractions;

namespace RecoGrid.Grains.Scoring;

/// <summary>The silo-local ranking engine a scoring grain hands its calls to (ONNX Runtime, registered on scoring silos).</summary>
public interface IScoringBackend
{
    Task<ScoreResponse> ScoreAsync(ScoreCall call, CancellationToken cancellationToken);
}
