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
    [property: Id(5)] string? ModelVersion = null);

/// <summary>One recommended item and its score.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.scored-item.v1")]
public sealed record ScoredItem([property: Id(0)] string ItemId, [property: Id(1)] double Score);

/// <summary>Where a list of recommendations came from.</summary>
public static class RecommendationSources
{
    /// <summary>Ranked by decayed popularity (no model, or no vector for this user yet).</summary>
    public const string Popularity = "popularity";

    /// <summary>Ranked by the promoted factorization model.</summary>
    public const string Model = "model";
}

/// <summary>A ranked list of recommendations; <see cref="Retrieval"/> is the model path that ranked them ("exact" or "ann"), null for popularity.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.recommendation-result.v1")]
public sealed record RecommendationResult(
    [property: Id(0)] ImmutableArray<ScoredItem> Items,
    [property: Id(1)] string Source,
    [property: Id(2)] string? ModelVersion,
    [property: Id(3)] string? Retrieval = null);
