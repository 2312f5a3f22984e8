using System.Text.Json.Nodes;

namespace RecoGrid.Training.Data;

/// <summary>A delimited interaction file read by <see cref="InteractionLoader"/>.</summary>
/// <param name="path">The file.</param>
/// <param name="options">How to parse, weight and filter it (defaults when null); its progress sink is honoured.</param>
public sealed class InteractionFileSource(string path, InteractionLoadOptions? options = null) : IInteractionSource
{
    private readonly InteractionLoadOptions _options = options ?? new InteractionLoadOptions();

    /// <summary>The file.</summary>
    public string Path { get; } = path;

    /// <inheritdoc />
    public InteractionData Load(CancellationToken cancellationToken) => InteractionLoader.Load(Path, _options, cancellationToken);

    /// <inheritdoc />
    public JsonObject Describe()
    {
        var description = _options.Filters.AddTo(new JsonObject { ["input"] = Path });
        description["skip_bad_lines"] = _options.SkipBadLines;
        return description;
    }
}
