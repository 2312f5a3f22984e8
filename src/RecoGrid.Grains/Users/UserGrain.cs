using Orleans.Concurrency;
using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Catalog;
using RecoGrid.Grains.Common;
using RecoGrid.Grains.Popularity;

namespace RecoGrid.Grains.Users;

/// <summary>
/// One user's interactions, counters and vector. Reentrant so that events arriving together
/// share one state write (see <see cref="CoalescingWriter"/>); each turn still runs alone.
/// </summary>
[Reentrant]
public sealed class UserGrain(
    [PersistentState("user", StorageNames.Users)] IPersistentState<UserState> state,
    IOptions<UserOptions> userOptions,
    IOptions<PopularityOptions> popularityOptions,
    PopularityCache popularity,
    CatalogView catalog,
    IModelRecommender model) : Grain, IUserGrain
{
    private CoalescingWriter? _writer;

    private CoalescingWriter Writer => _writer ??= new CoalescingWriter(() => state.WriteStateAsync(), DeactivateOnIdle);

    public async Task<AcceptedEvents> AddInteractions(ImmutableArray<Interaction> interactions)
    {
        if (interactions.IsDefaultOrEmpty)
        {
            return new AcceptedEvents(0, state.State.TotalEvents);
        }

        var s = state.State;
        foreach (var interaction in interactions.OrderBy(i => i.Timestamp))
        {
            s.Recent.Add(interaction);
            s.Counters[interaction.Type] = s.Counters.GetValueOrDefault(interaction.Type) + 1;
            s.TotalEvents++;
            if (s.FirstSeen is null || interaction.Timestamp < s.FirstSeen)
            {
                s.FirstSeen = interaction.Timestamp;
            }

            if (s.LastSeen is null || interaction.Timestamp > s.LastSeen)
            {
                s.LastSeen = interaction.Timestamp;
            }
        }

        var overflow = s.Recent.Count - userOptions.Value.RecentCapacity;
        if (overflow > 0)
        {
            s.Recent.RemoveRange(0, overflow);
        }

        await model.OnInteractionsAsync(this.GetPrimaryKeyString(), state, interactions);
        await Writer.WriteAsync();

        var hits = ToHits(interactions);
        await PopularityShard().Record(hits);

        return new AcceptedEvents(interactions.Length, s.TotalEvents);
    }

    public Task<UserSummary> GetSummary()
    {
        var s = state.State;
        return Task.FromResult(new UserSummary(
            this.GetPrimaryKeyString(),
            state.RecordExists,
            s.FirstSeen,
            s.LastSeen,
            s.TotalEvents,
            s.Counters.ToImmutableDictionary(StringComparer.Ordinal),
            [.. s.Recent],
            s.ModelVersion,
            s.Vector is not null));
    }

    public async Task Erase()
    {
        var hits = ToHits(state.State.Recent);
        await state.ClearStateAsync();
        state.State = new UserState();
        if (!hits.IsEmpty)
        {
            await PopularityShard().Subtract(hits);
        }
    }

    public async Task<RecommendationResult> Recommend(RecommendationRequest request)
    {
        var excluded = new HashSet<string>(request.Exclude.IsDefault ? [] : request.Exclude, StringComparer.Ordinal);
        if (request.ExcludeSeen)
        {
            foreach (var interaction in state.State.Recent)
            {
                excluded.Add(interaction.ItemId);
            }
        }

        var modelResult = await model.RecommendAsync(this.GetPrimaryKeyString(), state, request, excluded);
        if (modelResult is not null)
        {
            return modelResult;
        }

        var snapshot = await popularity.GetAsync();
        var ranking = request.Category is null
            ? snapshot.Global
            : snapshot.ByCategory.GetValueOrDefault(request.Category, []);
        var view = await catalog.GetAsync();
        var items = ImmutableArray.CreateBuilder<ScoredItem>(Math.Min(request.Count, ranking.Length));
        foreach (var candidate in ranking)
        {
            if (items.Count == request.Count)
            {
                break;
            }

            if (!excluded.Contains(candidate.ItemId) && view.IsRecommendable(candidate.ItemId, request.Category))
            {
                items.Add(candidate);
            }
        }

        return new RecommendationResult(items.ToImmutable(), RecommendationSources.Popularity, null);
    }

    private static ImmutableArray<PopularityHit> ToHits(IEnumerable<Interaction> interactions) =>
        [.. interactions.Select(i => new PopularityHit(i.ItemId, i.Weight, i.Timestamp))];

    private IPopularityShardGrain PopularityShard() =>
        GrainFactory.GetGrain<IPopularityShardGrain>(ShardHash.Shard(this.GetPrimaryKeyString(), popularityOptions.Value.Shards));
}
