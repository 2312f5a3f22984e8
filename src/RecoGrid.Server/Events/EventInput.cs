namespace RecoGrid.Server.Events;

/// <summary>
/// One event as a client sent it, before validation (every field may be missing); <see cref="RecommendationId"/> names
/// the recommendation response the event followed, for experiment attribution.
/// </summary>
public sealed record EventInput(
    string? UserId,
    string? ItemId,
    string? Type,
    double? Value,
    DateTimeOffset? Timestamp,
    string? EventId = null,
    string? RecommendationId = null);
