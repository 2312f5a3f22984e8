namespace RecoGrid.Grains.Models;

/// <summary>The promoted model as this silo has it loaded, or null before any promotion.</summary>
public interface IActiveModelSource
{
    FoldInModel? Current { get; }
}
