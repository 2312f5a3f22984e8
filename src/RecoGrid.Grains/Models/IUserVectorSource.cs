namespace RecoGrid.Grains.Models;

/// <summary>Where a user's trained vector can be looked up by id (the promoted artifact's user factors).</summary>
public interface IUserVectorSource
{
    bool TryGet(string userId, Span<float> destination);
}
