using System.Collections.Immutable;
using RecoGrid.Abstractions;

namespace RecoGrid.Grains.Users;

/// <summary>
/// The model path of a user grain: keeps the user's vector current and ranks with the promoted model.
/// Registered by the scoring integration; without one, users get popularity.
/// </summary>
public interface IModelRecommender
{
    /// <summary>Called after new interactions are durable, to update the user's vector (fold-in).</summary>
    Task OnInteractionsAsync(string userId, IPersistentState<UserState> state, ImmutableArray<Interaction> interactions);

    /// <summary>Ranks with the model, or returns null to fall back to popularity.</summary>
    Task<RecommendationResult?> RecommendAsync(string userId, IPersistentState<UserState> state, RecommendationRequest request, IReadOnlySet<string> excluded);
}
