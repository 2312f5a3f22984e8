using System.Collections.Immutable;

namespace RecoGrid.Abstractions;

/// <summary>
/// A request to rank items for one user vector with one model version. <see cref="Retrieval"/> asks for a path
/// ("exact" or "ann"; null lets the catalogue size decide); <see cref="Recent"/> are the user's recent items, most
/// recent first, which seed the two-stage path's co-visitation candidates. <see cref="ExcludeIndices"/> are further
/// items to exclude by their row in that version (the user's training history, cheaper to send than ids).
/// </summary>
[GenerateSerializer, Immutable, Alias("recogrid.score-call.v1")]
public sealed record ScoreCall(
    [property: Id(0)] string ModelVersion,
    [property: Id(1)] float[] UserVector,
    [property: Id(2)] ImmutableArray<string> Exclude,
    [property: Id(3)] int Count,
    [property: Id(4)] string? Category,
    [property: Id(5)] string? Retrieval = null,
    [property: Id(6)] string[]? Recent = null,
    [property: Id(7)] int[]? ExcludeIndices = null);

/// <summary>How a scoring call ended.</summary>
public enum ScoreStatus
{
    /// <summary>Ranked; see the items.</summary>
    Ok = 0,

    /// <summary>The scoring queue is full; retry after the given delay.</summary>
    Overloaded = 1,

    /// <summary>The vector's model version is not loaded on the scoring silo (not yet, or no longer).</summary>
    VersionNotLoaded = 2,

    /// <summary>The item asked about has no factors in the model version.</summary>
    UnknownItem = 3,

    /// <summary>The model version cannot answer this kind of call (e.g. no similar-items graph).</summary>
    Unsupported = 4,
}

/// <summary>A request for the items nearest to <see cref="ItemId"/> by cosine in one model version's factor space.</summary>
[GenerateSerializer, Immutable, Alias("recogrid.similar-call.v1")]
public sealed record SimilarCall(
    [property: Id(0)] string ModelVersion,
    [property: Id(1)] string ItemId,
    [property: Id(2)] int Count,
    [property: Id(3)] string? Category);

/// <summary>The answer of a scoring grain; <see cref="Retrieval"/> names the path that ranked the items ("exact" or "ann").</summary>
[GenerateSerializer, Immutable, Alias("recogrid.score-response.v1")]
public sealed record ScoreResponse(
    [property: Id(0)] ScoreStatus Status,
    [property: Id(1)] ImmutableArray<ScoredItem> Items,
    [property: Id(2)] string ModelVersion,
    [property: Id(3)] TimeSpan RetryAfter,
    [property: Id(4)] string? Detail,
    [property: Id(5)] string? Retrieval = null)
{
    public static ScoreResponse Ranked(string version, ImmutableArray<ScoredItem> items, string? retrieval = null) => new(ScoreStatus.Ok, items, version, TimeSpan.Zero, null, retrieval);
}

/// <summary>
/// Ranks candidates with ONNX models. Activations live only on silos with the scoring role;
/// users pick one by consistent hash of their id. Key: partition number.
/// </summary>
[Alias("recogrid.IScoringGrain")]
public interface IScoringGrain : IGrainWithIntegerKey
{
    [Alias("Score")]
    Task<ScoreResponse> Score(ScoreCall call);

    /// <summary>The items most similar to one item (cosine of item factors), with the catalogue filters.</summary>
    [Alias("Similar")]
    Task<ScoreResponse> Similar(SimilarCall call);

    /// <summary>The silo this activation runs on (for operators and placement tests).</summary>
    [Alias("GetSilo")]
    Task<string> GetSilo();
}

/// <summary>Thrown to API callers when ranking is saturated; the HTTP layer answers 503 with Retry-After.</summary>
[GenerateSerializer, Alias("recogrid.scoring-busy-exception.v1")]
public sealed class ScoringBusyException : Exception
{
    public ScoringBusyException()
    {
    }

    public ScoringBusyException(string message)
        : base(message)
    {
    }

    public ScoringBusyException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ScoringBusyException(string message, TimeSpan retryAfter)
        : base(message) => RetryAfter = retryAfter;

    /// <summary>When to try again.</summary>
    [Id(0)] public TimeSpan RetryAfter { get; init; }
}

/// <summary>
/// The users erased after one model version was trained: their trained vector and training history in that version's
/// artifact are never used again. Key: the model version, or <see cref="Ledger"/> for every erasure the cluster has
/// recorded: a version's set starts as a copy of the ledger, so a version trained from data that predates an erasure but
/// registered after it fences the user off too. State in the <see cref="StorageNames.Users"/> store.
/// </summary>
[Alias("recogrid.IErasedUsersGrain")]
public interface IErasedUsersGrain : IGrainWithStringKey
{
    /// <summary>The key of the cluster-wide ledger of erased users (no model version is named so).</summary>
    const string Ledger = "*";

    /// <summary>Every user recorded as erased here.</summary>
    [Alias("Users"), Orleans.Concurrency.ReadOnly]
    Task<string[]> Users();

    /// <summary>Records <paramref name="userId"/> as erased for this version (durable before it returns).</summary>
    [Alias("Erase")]
    Task Erase(string userId);

    [Alias("IsErased"), Orleans.Concurrency.ReadOnly]
    Task<bool> IsErased(string userId);

    [Alias("Count"), Orleans.Concurrency.ReadOnly]
    Task<int> Count();
}
