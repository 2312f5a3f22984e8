using System.Text.Json.Nodes;

namespace RecoGrid.Training.Data;

/// <summary>Where a training run reads its interactions from: a file, the server's interaction log, a test's list.</summary>
public interface IInteractionSource
{
    /// <summary>Reads and filters every interaction into a matrix; may be called once per run.</summary>
    InteractionData Load(CancellationToken cancellationToken);

    /// <summary>Where the data came from and how it was filtered, as recorded under "filters" in the artifact's data section.</summary>
    JsonObject Describe();
}
