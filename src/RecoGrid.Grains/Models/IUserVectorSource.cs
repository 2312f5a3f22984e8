namespace RecoGrid.Grains.Models;

/// <summary>Where a user's trained vector and training history can be looked up by id (the promoted artifact's user index).</summary>
public interface IUserVectorSource
{
    bool TryGet(string userId, Span<float> destination);

    /// <summary>The item rows the user was trained on, ascending; empty when unknown or not recorded.</summary>
    int[] TrainingHistory(string userId);
}
