using System.Collections.Immutable;

namespace RecoGrid.Abstractions;

/// <summary>A request for a user's recommendations.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.recommendation-request.v1")]
public sealed record RecommendationRequest(
    [property: Id(0)] int Count,
    [property: Id(1)] string? Category,
    [property: Id(2)] ImmutableArray<string> Exclude,
    [property: Id(3)] bool ExcludeSeen);

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

/// <summary>A ranked list of recommendations.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.recommendation-result.v1")]
public sealed record RecommendationResult(
    [property: Id(0)] ImmutableArray<ScoredItem> Items,
    [property: Id(1)] string Source,
    [property: Id(2)] string? ModelVersion);
