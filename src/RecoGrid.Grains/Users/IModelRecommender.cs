using RecoGrid.Abstractions;

namespace RecoGrid.Grains.Users;

/// <summary>
/// The model path of a user grain: keeps the user's vector current and ranks with the promoted model.
/// Registered by the scoring integration; without one, users get popularity.
/// </summary>
public interface IModelRecommender
{
    /// <summary>Called after new interactions were applied: the vector no longer reflects them (it is folded in again when next needed).</summary>
    void OnInteractions(UserState state);

    /// <summary>Ranks with the model, or returns null to fall back to popularity.</summary>
    Task<RecommendationResult?> RecommendAsync(string userId, IPersistentState<UserState> state, RecommendationRequest request, IReadOnlySet<string> excluded);
}
