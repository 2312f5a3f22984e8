namespace RecoGrid.Grains.Models;

/// <summary>The promoted model as this silo has it loaded, or null before any promotion.</summary>
public interface IActiveModelSource
{
    FoldInModel? Current { get; }

    /// <summary>A loaded version by name (the promoted one or one an experiment keeps loaded), or null when it is not loaded here.</summary>
    FoldInModel? Find(string version) => Current is { } current && current.Version == version ? current : null;
}
