namespace RecoGrid.Training.Data;

/// <summary>A malformed line or layout in an interaction file; the message names the file, the line and the reason.</summary>
public sealed class InteractionFormatException : FormatException
{
    public InteractionFormatException(string filePath, long lineNumber, string reason)
        : base(lineNumber > 0
            ? $"{filePath}, line {lineNumber}: {reason}"
            : $"{filePath}: {reason}")
    {
        FilePath = filePath;
        LineNumber = lineNumber;
        Reason = reason;
    }

    /// <summary>The file being read.</summary>
    public string FilePath { get; }

    /// <summary>One-based line number, or 0 when the problem is not tied to a line.</summary>
    public long LineNumber { get; }

    /// <summary>What is wrong with the line.</summary>
    public string Reason { get; }
}
