namespace RecoGrid.Scoring.Retrieval;

/// <summary>
/// A source of candidate items for one request of the two-stage path: the ANN index over the model's item factors,
/// items that followed the user's recent items, popular items. Sources add item indices of the query's model version
/// to the request's <see cref="CandidateSet"/>, which keeps the distinct ones that pass the request's filters; the
/// candidate graph then ranks them all with the model's own scores, so a source's own scores only order its additions.
/// </summary>
public interface ICandidateSource
{
    /// <summary>A short name for statistics ("ann", "co-visitation", "popular").</summary>
    string Name { get; }

    /// <summary>Adds this source's candidates for the query, best first.</summary>
    ValueTask CollectAsync(CandidateQuery query, CandidateSet candidates, CancellationToken cancellationToken);
}

/// <summary>What a candidate source knows of one request.</summary>
public sealed class CandidateQuery
{
    /// <summary>The model version the request is scored with; candidates are its item indices.</summary>
    public required ScoringModel Model { get; init; }

    /// <summary>The user's vector for that version.</summary>
    public required ReadOnlyMemory<float> UserVector { get; init; }

    /// <summary>How many items the request returns.</summary>
    public required int Count { get; init; }

    /// <summary>The user's recent items (indices of the model version), most recent first.</summary>
    public ReadOnlyMemory<int> RecentItems { get; init; }

    /// <summary>The request's category filter, if any (sources with per-category lists use it).</summary>
    public string? Category { get; init; }

    /// <summary>The engine's options (candidate budgets).</summary>
    public required ScoringOptions Options { get; init; }
}
