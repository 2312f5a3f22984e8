using System.Text.Json.Nodes;

namespace RecoGrid.Training.Data;

/// <summary>
/// Interactions already in memory, handed to a training run as they are (e.g. a retraining job that loaded the log
/// once for tuning and training, or generated data).
/// </summary>
/// <param name="data">The interactions.</param>
/// <param name="description">Recorded as the artifact's "filters" (where the data came from and how it was filtered).</param>
public sealed class LoadedInteractionSource(InteractionData data, JsonObject? description = null) : IInteractionSource
{
    /// <inheritdoc />
    public InteractionData Load(CancellationToken cancellationToken) => data;

    /// <inheritdoc />
    public JsonObject Describe() => description?.DeepClone().AsObject() ?? new JsonObject { ["input"] = "memory" };
}
