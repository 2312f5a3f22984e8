namespace RecoGrid.Training.Artifacts;

/// <summary>A model artifact that is missing, corrupt, truncated or inconsistent; the message names the file.</summary>
public sealed class ModelArtifactException : IOException
{
    public ModelArtifactException(string directory, string? fileName, string reason, Exception? inner = null)
        : base(fileName is null
            ? $"Model artifact '{directory}': {reason}"
            : $"Model artifact '{directory}': {fileName}: {reason}", inner)
    {
        Directory = directory;
        FileName = fileName;
    }

    /// <summary>The artifact directory.</summary>
    public string Directory { get; }

    /// <summary>The file at fault, or null when the problem is the directory itself.</summary>
    public string? FileName { get; }
}
