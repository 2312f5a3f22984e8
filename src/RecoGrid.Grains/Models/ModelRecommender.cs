using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Common;
using RecoGrid.Grains.Telemetry;
using RecoGrid.Grains.Users;

namespace RecoGrid.Grains.Models;

/// <summary>
/// The model path of a user grain: keeps the user's vector for the promoted version (trained vector, or
/// fold-in of recent interactions) and ranks through a scoring grain chosen by consistent hash. A trained user's
/// training history is excluded with the live events; an erased user's trained vector and history are never used.
/// A scoring call that has not answered within <see cref="ModelPathOptions.CallTimeout"/> counts as no scoring silo
/// (popularity-fallback): a silo that died with the call in flight would otherwise hold the request until Orleans'
/// response timeout.
/// </summary>
public sealed class ModelRecommender(
    IActiveModelSource models,
    IGrainFactory grains,
    IOptions<ModelPathOptions> options,
    IModelVersions versions,
    [FromKeyedServices(RecoGridClock.Key)] TimeProvider clock) : IModelRecommender
{
    /// <summary>Recent items sent with each scoring call as co-visitation seeds.</summary>
    public const int RecentSeeds = 5;

    public void OnInteractions(UserState state)
    {
        // Real-time but lazy: the next ranking folds the new events in; users who never ask cost nothing.
        state.VectorStale = true;
    }

    public async Task<RecommendationResult?> RecommendAsync(string userId, IPersistentState<UserState> state, RecommendationRequest request, IReadOnlySet<string> excluded)
    {
        // An experiment's variant names its version; until this silo has loaded it, the promoted one ranks.
        var model = request.ModelVersion is { } version ? models.Find(version) ?? models.Current : models.Current;
        if (model is null)
        {
            return null;
        }

        var s = state.State;
        var erased = await IsErasedAsync(userId, s, model);
        if (s.VectorStale && FoldInRecent(model, s) is { } folded)
        {
            s.Vector = folded;
            s.ModelVersion = model.Version;
            s.VectorStale = false;
            s.VectorTrained = false;
        }
        else if (s.ModelVersion != model.Version || s.Vector is null)
        {
            // Not persisted here: the vector is derived and cheap to recompute; the next checkpoint carries it.
            if (!TryRefreshVector(userId, s, model, erased))
            {
                return null;
            }
        }

        var history = request.ExcludeSeen && !erased ? model.TrainedUsers?.TrainingHistory(userId) : null;
        var call = new ScoreCall(s.ModelVersion!, s.Vector!, [.. excluded], request.Count, request.Category, request.Retrieval, RecentItems(s), history is { Length: > 0 } ? history : null);
        var response = await ScoreAsync(userId, call);

        return response.Status switch
        {
            ScoreStatus.Ok when request.Explain && response.ModelVersion == model.Version => Explained(userId, s, model, response),
            ScoreStatus.Ok => new RecommendationResult(response.Items, RecommendationSources.Model, response.ModelVersion, response.Retrieval),
            ScoreStatus.Overloaded => throw new ScoringBusyException(response.Detail ?? "Scoring is saturated.", response.RetryAfter),
            _ => null, // The scoring silo has not loaded this version yet (or has dropped it): popularity for now.
        };
    }

    private Task<ScoreResponse> ScoreAsync(string userId, ScoreCall call) =>
        BoundedAsync(grains.Reference<IScoringGrain>(ShardHash.Shard(userId, options.Value.Partitions)).Score(call), "The scoring grain");

    /// <summary>
    /// Awaits a call of the model path for at most <see cref="ModelPathOptions.CallTimeout"/>; a call that fails in
    /// Orleans (no scoring silo, or the one hosting the grain is gone) or takes longer becomes <see cref="ScoringUnavailableException"/>.
    /// </summary>
    private async Task<T> BoundedAsync<T>(Task<T> call, string what)
    {
        var timeout = options.Value.CallTimeout;
        try
        {
            return await call.WaitAsync(timeout, clock);
        }
        catch (TimeoutException) when (!call.IsCompleted)
        {
            // Orleans keeps waiting for the abandoned call (until its response timeout or the silo's death); observe its end.
            call.Ignore();
            GrainsMetrics.ScoringCallTimedOut();
            throw new ScoringUnavailableException($"{what} did not answer within Scoring:CallTimeout ({timeout}).", new TimeoutException());
        }
        catch (Exception exception) when (exception is OrleansException or TimeoutException)
        {
            // No scoring silo to place the grain on, or the one hosting it is gone (until membership notices).
            throw new ScoringUnavailableException(exception.Message, exception);
        }
    }

    public async Task<IReadOnlyList<string>> TrainingHistoryAsync(string userId, UserState state)
    {
        var model = models.Current;
        if (model?.TrainedUsers is null)
        {
            return [];
        }

        try
        {
            if (await IsErasedAsync(userId, state, model))
            {
                return [];
            }
        }
        catch (ScoringUnavailableException)
        {
            // Whether the user was erased is unknown for now: their training history is not used.
            return [];
        }

        var rows = model.TrainedUsers.TrainingHistory(userId);
        var ids = new string[rows.Length];
        for (var k = 0; k < rows.Length; k++)
        {
            ids[k] = model.ItemIds[rows[k]];
        }

        return ids;
    }

    public async Task OnErasedAsync(string userId)
    {
        // The ledger first: a version not listed below (registered a moment later) seeds its set from it.
        await grains.GetGrain<IErasedUsersGrain>(IErasedUsersGrain.Ledger).Erase(userId);
        var known = new HashSet<string>(await versions.ListAsync(), StringComparer.Ordinal);
        if (models.Current is { } current)
        {
            known.Add(current.Version);
        }

        await Task.WhenAll(known.Select(version => grains.GetGrain<IErasedUsersGrain>(version).Erase(userId)));
    }

    /// <summary>Whether the user was erased after <paramref name="model"/> was trained; asked once per version, then kept in the user's state.</summary>
    private async ValueTask<bool> IsErasedAsync(string userId, UserState s, FoldInModel model)
    {
        if (model.TrainedUsers is null)
        {
            return false;
        }

        if (s.ErasureCheckedVersion != model.Version)
        {
            // Bounded like the scoring call: the erased-set's silo may be the one that was just lost.
            s.TrainedErased = await BoundedAsync(grains.GetGrain<IErasedUsersGrain>(model.Version).IsErased(userId), "The erased-users grain");
            s.ErasureCheckedVersion = model.Version;
        }

        return s.TrainedErased;
    }

    /// <summary>Most items an explanation lists.</summary>
    public const int ExplanationItems = 3;

    /// <summary>
    /// Adds to each item the user's items with the largest shares of its score. A fold-in vector is decomposed over the
    /// events it was solved from (exact: the shares sum to the served score); a trained vector over the user's training
    /// rows when the version carries them, else over the live events (shares of the fold-in of that history).
    /// </summary>
    private static RecommendationResult Explained(string userId, UserState s, FoldInModel model, ScoreResponse response)
    {
        IEnumerable<(string ItemId, float Weight)> history = s.Recent.Select(i => (i.ItemId, i.Weight));
        var basis = ExplanationBases.FoldIn;
        if (s.VectorTrained)
        {
            if (model.TrainingHistory?.TryGet(userId, out var rows) == true)
            {
                history = rows;
                basis = ExplanationBases.TrainingHistory;
            }
            else
            {
                basis = ExplanationBases.LiveHistory;
            }
        }

        var shares = model.Explain(history, response.Items.Select(i => i.ItemId));
        var items = response.Items.Select(item => shares.TryGetValue(item.ItemId, out var row)
            ? item with
            {
                Explanation = [.. row.OrderByDescending(r => r.Contribution).Take(ExplanationItems).Select(r => new ItemContribution(r.ItemId, r.Contribution))],
            }
            : item);
        return new RecommendationResult([.. items], RecommendationSources.Model, response.ModelVersion, response.Retrieval, basis);
    }

    /// <summary>The user's most recent distinct items, newest first: the seeds of co-visitation candidates.</summary>
    private static string[] RecentItems(UserState s)
    {
        var recent = new List<string>(RecentSeeds);
        for (var i = s.Recent.Count - 1; i >= 0 && recent.Count < RecentSeeds; i--)
        {
            var item = s.Recent[i].ItemId;
            if (!recent.Contains(item, StringComparer.Ordinal))
            {
                recent.Add(item);
            }
        }

        return [.. recent];
    }

    private static bool TryRefreshVector(string userId, UserState s, FoldInModel model, bool erased)
    {
        var vector = new float[model.Factors];
        if (!erased && model.TrainedUsers?.TryGet(userId, vector) == true)
        {
            s.Vector = vector;
            s.ModelVersion = model.Version;
            s.VectorTrained = true;
            return true;
        }

        var folded = FoldInRecent(model, s);
        if (folded is null)
        {
            return false;
        }

        s.Vector = folded;
        s.ModelVersion = model.Version;
        s.VectorTrained = false;
        return true;
    }

    private static float[]? FoldInRecent(FoldInModel model, UserState s)
    {
        var started = GrainsMetrics.FoldInStarted();
        var vector = model.SolveVector(s.Recent.Select(i => (i.ItemId, i.Weight)));
        GrainsMetrics.FoldInEnded(started);
        return vector;
    }
}
