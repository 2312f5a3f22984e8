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

    /// <summary>
    /// Ranks with the model, or returns null to fall back to popularity. With <see cref="RecommendationRequest.ExcludeSeen"/>
    /// the items the user was trained on are excluded too. Throws <see cref="ScoringUnavailableException"/> when no
    /// scoring silo can answer.
    /// </summary>
    Task<RecommendationResult?> RecommendAsync(string userId, IPersistentState<UserState> state, RecommendationRequest request, IReadOnlySet<string> excluded);

    /// <summary>The ids of the items the user was trained on in the promoted model (none once erased), for rankings made without the model.</summary>
    Task<IReadOnlyList<string>> TrainingHistoryAsync(string userId, UserState state);

    /// <summary>
    /// Called when the user is erased, before their state is reset: fences off their trained vector and history in
    /// every model version (a durable erased-set per version).
    /// </summary>
    Task OnErasedAsync(string userId);
}

/// <summary>No scoring silo could answer (none in the cluster, or the one hosting the user's scoring grain was lost).</summary>
public sealed class ScoringUnavailableException(string message, Exception innerException) : Exception(message, innerException);
