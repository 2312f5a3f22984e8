using RecoGrid.Scoring.Retrieval;

namespace RecoGrid.Scoring;

/// <summary>A request for the top <see cref="Count"/> items for one user vector of a given model version.</summary>
public sealed class ScoringRequest
{
    /// <summary>
    /// The most items one request may ask for. Not a setting: the HTTP API's <c>Api:MaxRecommendations</c> is the one
    /// limit users configure, and it is validated against this bound.
    /// </summary>
    public const int MaxCount = 10_000;

    /// <summary>The model version the user vector was computed against; the request is scored with that version only.</summary>
    public required string ModelVersion { get; init; }

    /// <summary>The user's factor vector (length = the model's factor count).</summary>
    public required ReadOnlyMemory<float> UserVector { get; init; }

    /// <summary>How many items to return, 1 to <see cref="MaxCount"/>.</summary>
    public int Count { get; init; } = 10;

    /// <summary>Item ids never to return (e.g. already bought); ids unknown to the model are ignored.</summary>
    public IReadOnlyCollection<string>? ExcludeItemIds { get; init; }

    /// <summary>Item indices (of this model version) never to return.</summary>
    public IReadOnlyCollection<int>? ExcludeItemIndices { get; init; }

    /// <summary>
    /// Optional predicate on item indices (e.g. "in category X"), applied after the graph by over-fetching; when too few
    /// over-fetched items pass, the engine scores exactly the passing items with the candidate graph.
    /// </summary>
    public Func<int, bool>? Filter { get; init; }

    /// <summary>Exact or two-stage scoring; <see cref="RetrievalMode.Auto"/> lets <see cref="ScoringOptions.AnnThreshold"/> decide.</summary>
    public RetrievalMode Retrieval { get; init; }

    /// <summary>The user's recent item ids, most recent first: seeds of the co-visitation source (ids unknown to the model are ignored).</summary>
    public IReadOnlyList<string>? RecentItemIds { get; init; }

    /// <summary>The category <see cref="Filter"/> keeps, if any, for candidate sources with per-category lists.</summary>
    public string? Category { get; init; }
}

/// <summary>One recommended item: its index in the model version, its id and its score.</summary>
public readonly record struct ScoredItem(int Index, string ItemId, float Score);

/// <summary>
/// The answer to a <see cref="ScoringRequest"/>: items best first, the model version that scored them, whether the
/// exact scan of every passing item was needed, and the path taken (<see cref="RetrievalMode.Exact"/> or <see cref="RetrievalMode.Ann"/>).
/// </summary>
public sealed record ScoringResult(string ModelVersion, IReadOnlyList<ScoredItem> Items, bool UsedCandidateFallback, RetrievalMode Retrieval = RetrievalMode.Exact)
{
    /// <summary>Distinct candidates the two-stage path ranked (0 on the exact path).</summary>
    public int Candidates { get; init; }
}

/// <summary>A request for the <see cref="Count"/> items nearest to <see cref="ItemId"/> by cosine in one model version's factor space.</summary>
public sealed class SimilarItemsRequest
{
    public required string ModelVersion { get; init; }

    /// <summary>The item whose neighbours are wanted (never returned itself).</summary>
    public required string ItemId { get; init; }

    /// <summary>How many items to return, 1 to <see cref="ScoringRequest.MaxCount"/>.</summary>
    public int Count { get; init; } = 10;

    /// <summary>Further item ids never to return.</summary>
    public IReadOnlyCollection<string>? ExcludeItemIds { get; init; }

    /// <summary>Optional predicate on item indices (category, catalogue availability), applied after the graph.</summary>
    public Func<int, bool>? Filter { get; init; }
}
