namespace RecoGrid.Grains.Models;

/// <summary>The model source of a silo that serves no model: users get popularity.</summary>
public sealed class NoActiveModel : IActiveModelSource
{
    public FoldInModel? Current => null;
}
