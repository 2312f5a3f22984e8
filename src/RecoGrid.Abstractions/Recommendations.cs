using System.Collections.Immutable;

namespace RecoGrid.Abstractions;

/// <summary>
/// A request for a user's recommendations; <see cref="Retrieval"/> is "exact", "ann" or null (the catalogue size decides);
/// <see cref="ModelVersion"/> asks for a loaded version other than the promoted one (an experiment's variant), null for the promoted one.
/// </summary>
[GenerateSerializer, Immutable, Alias("recogrid.recommendation-request.v1")]
public sealed record RecommendationRequest(
    [property: Id(0)] int Count,
    [property: Id(1)] string? Category,
    [property: Id(2)] ImmutableArray<string> Exclude,
    [property: Id(3)] bool ExcludeSeen,
    [property: Id(4)] string? Retrieval = null,
    [property: Id(5)] bool Explain = false,
    [property: Id(6)] string? ModelVersion = null);

/// <summary>
/// One recommended item and its score. <see cref="Slot"/> says why a blended list holds it (null: the list's own
/// source; see <see cref="RecommendationSlots"/>); <see cref="Explanation"/> lists the user's items that contributed
/// most to its score, when asked for.
/// </summary>
[GenerateSerializer, Immutable, Alias("recogrid.scored-item.v1")]
public sealed record ScoredItem(
    [property: Id(0)] string ItemId,
    [property: Id(1)] double Score,
    [property: Id(2)] string? Slot = null,
    [property: Id(3)] ItemContribution[]? Explanation = null);

/// <summary>How much one of the user's own items added to a recommended item's score.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.item-contribution.v1")]
public sealed record ItemContribution([property: Id(0)] string ItemId, [property: Id(1)] double Contribution);

/// <summary>Why an item holds its position in a blended list.</summary>
public static class RecommendationSlots
{
    /// <summary>Blended in from popularity because the user's history is still thin.</summary>
    public const string ColdStart = "cold-start";

    /// <summary>An exploration slot: a recent item the model has no factors for yet.</summary>
    public const string Exploration = "exploration";
}

/// <summary>Which history an explanation decomposes.</summary>
public static class ExplanationBases
{
    /// <summary>The events the user's fold-in vector was solved from: the decomposition is exact for the served scores.</summary>
    public const string FoldIn = "fold-in";

    /// <summary>The user's training rows in the model version (the served vector is the trained one).</summary>
    public const string TrainingHistory = "training-history";

    /// <summary>The user's live events, for a trained user whose training rows the version does not carry.</summary>
    public const string LiveHistory = "live-history";
}

/// <summary>Where a list of recommendations came from.</summary>
public static class RecommendationSources
{
    /// <summary>Ranked by decayed popularity (no model, or no vector for this user yet).</summary>
    public const string Popularity = "popularity";

    /// <summary>Ranked by the promoted factorization model.</summary>
    public const string Model = "model";

    /// <summary>Ranked by decayed popularity because no scoring silo could answer (none in the cluster, or it was lost).</summary>
    public const string PopularityFallback = "popularity-fallback";
}

/// <summary>A ranked list of recommendations; <see cref="Retrieval"/> is the model path that ranked them ("exact" or "ann"), null for popularity.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.recommendation-result.v1")]
public sealed record RecommendationResult(
    [property: Id(0)] ImmutableArray<ScoredItem> Items,
    [property: Id(1)] string Source,
    [property: Id(2)] string? ModelVersion,
    [property: Id(3)] string? Retrieval = null,
    [property: Id(4)] string? ExplanationBasis = null);
