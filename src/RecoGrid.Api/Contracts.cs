using System.Text.Json.Serialization;
using RecoGrid.Server.Events;

namespace RecoGrid.Api;

/// <summary>Body of POST /v1/events (a bare JSON array of events is accepted too).</summary>
public sealed record EventBatchRequest(IReadOnlyList<EventInput>? Events);

/// <summary>Reply to an accepted batch: every event in it is durable; repeats of a recent eventId are counted once.</summary>
public sealed record EventsAccepted(int Accepted, int Duplicates);

/// <summary>Reply of POST /v1/events:validate: the batch would be accepted (nothing was recorded).</summary>
public sealed record EventsValid(int Valid);

/// <summary>Item metadata as sent with PUT /v1/items/{itemId} or in a batch.</summary>
public sealed record ItemDto(
    string? ItemId,
    IReadOnlyList<string>? Categories,
    bool? Available,
    IReadOnlyDictionary<string, string>? Properties);

/// <summary>Body of POST /v1/items:batch.</summary>
public sealed record ItemBatchRequest(IReadOnlyList<ItemDto>? Items);

/// <summary>Reply to an accepted item batch.</summary>
public sealed record ItemsAccepted(int Upserted);

/// <summary>An item as stored.</summary>
public sealed record ItemResponse(
    string ItemId,
    IReadOnlyList<string> Categories,
    bool Available,
    IReadOnlyDictionary<string, string> Properties,
    DateTimeOffset UpdatedAt);

/// <summary>
/// One recommended item. <c>exploration</c> marks an exploration slot (a recent item the model has no factors for yet;
/// its score is 0), <c>coldStart</c> an item blended in from popularity while the user's history is thin, and
/// <c>explanation</c> (with <c>explain=true</c>) lists up to 3 of the user's own items that contributed most to the score.
/// </summary>
public readonly record struct RecommendedItem(
    string ItemId,
    double Score,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Exploration = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? ColdStart = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ItemContributionResponse>? Explanation = null);

/// <summary>One of the user's items and what it added to a recommended item's score.</summary>
public sealed record ItemContributionResponse(string ItemId, double Contribution);

/// <summary>One similar item: its cosine similarity to the item asked about, in [-1, 1].</summary>
public sealed record SimilarItem(string ItemId, double Score);

/// <summary>Reply of GET /v1/items/{itemId}/similar.</summary>
public sealed record SimilarItemsResponse(string ItemId, IReadOnlyList<SimilarItem> Items, string ModelVersion);

/// <summary>
/// Reply of GET /v1/users/{userId}/recommendations; <c>retrieval</c> is "exact" or "ann" (two-stage) for model results,
/// null for popularity; with <c>explain=true</c>, <c>explanationBasis</c> names the history the explanations decompose
/// ("fold-in", "training-history" or "live-history").
/// </summary>
public sealed record RecommendationsResponse(
    IReadOnlyList<RecommendedItem> Items,
    string Source,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? ModelVersion,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Retrieval = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ExplanationBasis = null)
{
    /// <summary>Names this response; events that follow it may carry it (<c>recommendationId</c>) for experiment attribution.</summary>
    public string RecommendationId { get; init; } = "";

    /// <summary>The running experiment the user is in, or null.</summary>
    public string? ExperimentId { get; init; }

    /// <summary>The user's variant in that experiment, or null.</summary>
    public string? Variant { get; init; }
}

/// <summary>One interaction as GET /v1/users/{userId} shows it.</summary>
public sealed record InteractionResponse(string ItemId, string Type, float Weight, float? Value, DateTimeOffset Timestamp);

/// <summary>Reply of GET /v1/users/{userId}.</summary>
public sealed record UserResponse(
    string UserId,
    bool Exists,
    long TotalEvents,
    DateTimeOffset? FirstSeen,
    DateTimeOffset? LastSeen,
    IReadOnlyDictionary<string, long> Counters,
    IReadOnlyList<InteractionResponse> RecentInteractions,
    string? ModelVersion,
    bool HasVector);
