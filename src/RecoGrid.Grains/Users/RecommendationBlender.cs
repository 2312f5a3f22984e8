using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using RecoGrid.Abstractions;
using RecoGrid.Grains.Catalog;
using RecoGrid.Grains.Common;
using RecoGrid.Grains.Models;

namespace RecoGrid.Grains.Users;

/// <summary>
/// Cold start on both sides of a ranked list: while a fold-in user's history is thin, popular items take a share of
/// the positions (shrinking with every event); and a share of positions (<c>Recommendations:ExplorationShare</c>) goes
/// to recent, available items the model has no factors for. Each item it places is marked with its slot; the rest of
/// the list keeps its order.
/// </summary>
public sealed class RecommendationBlender(IOptions<RecommendationOptions> options, IActiveModelSource models, UnfactoredItems unfactored)
{
    /// <summary>The share of positions popularity takes for a user with <paramref name="events"/> events (0 when not blended).</summary>
    public double ColdStartShare(long events)
    {
        var o = options.Value;
        return o.ColdStartEvents == 0 || events >= o.ColdStartEvents ? 0 : o.ColdStartWeight * (1 - ((double)events / o.ColdStartEvents));
    }

    public RecommendationResult Blend(
        string userId,
        UserState state,
        RecommendationRequest request,
        RecommendationResult ranked,
        PopularitySnapshot popularity,
        CatalogSnapshot catalog,
        IReadOnlySet<string> excluded)
    {
        var model = models.Current;
        if (model is null)
        {
            return ranked;
        }

        var count = request.Count;
        var exploration = ExplorationItems(userId, request, catalog, model, excluded, Slots(count, options.Value.ExplorationShare));
        var blended = ranked.Source == RecommendationSources.Model && !state.VectorTrained
            ? PopularItems(request, popularity, catalog, excluded, ranked.Items, Slots(count, ColdStartShare(state.TotalEvents)))
            : [];
        if (exploration.Count == 0 && blended.Count == 0)
        {
            return ranked;
        }

        // Exploration takes the last position of each block of 1/share positions; popular items spread over the rest.
        var slots = new string?[count];
        for (var k = 0; k < exploration.Count; k++)
        {
            slots[(int)(((long)(k + 1) * count / exploration.Count) - 1)] = RecommendationSlots.Exploration;
        }

        var free = Enumerable.Range(0, count).Where(p => slots[p] is null).ToArray();
        for (var k = 0; k < blended.Count && free.Length > 0; k++)
        {
            slots[free[(int)(((2L * k) + 1) * free.Length / (2L * blended.Count))]] = RecommendationSlots.ColdStart;
        }

        var placed = new HashSet<string>(exploration.Select(e => e.ItemId).Concat(blended.Select(b => b.ItemId)), StringComparer.Ordinal);
        var primary = new Queue<ScoredItem>(ranked.Items.Where(i => !placed.Contains(i.ItemId)));
        var explore = new Queue<ScoredItem>(exploration);
        var popular = new Queue<ScoredItem>(blended);
        var items = ImmutableArray.CreateBuilder<ScoredItem>(count);
        foreach (var slot in slots)
        {
            var next = slot switch
            {
                RecommendationSlots.Exploration when explore.Count > 0 => explore.Dequeue(),
                RecommendationSlots.ColdStart when popular.Count > 0 => popular.Dequeue(),
                _ when primary.Count > 0 => primary.Dequeue(),
                _ when popular.Count > 0 => popular.Dequeue(),
                _ when explore.Count > 0 => explore.Dequeue(),
                _ => null,
            };
            if (next is null)
            {
                break;
            }

            items.Add(next);
        }

        return ranked with { Items = items.ToImmutable() };
    }

    private static int Slots(int count, double share) => share <= 0 ? 0 : (int)Math.Floor((count * share) + 1e-9);

    private List<ScoredItem> ExplorationItems(string userId, RecommendationRequest request, CatalogSnapshot catalog, FoldInModel model, IReadOnlySet<string> excluded, int slots)
    {
        if (slots == 0)
        {
            return [];
        }

        var category = request.Category;
        var pool = unfactored.Get(catalog, model)
            .Where(item => !excluded.Contains(item.ItemId) && (category is null || item.Categories.Contains(category, StringComparer.Ordinal)))
            .Take(options.Value.ExplorationPool)
            .ToArray();
        if (pool.Length == 0)
        {
            return [];
        }

        // Each user starts at their own place in the pool, so many new items share the exposure.
        var start = ShardHash.Shard(userId, pool.Length);
        return [.. Enumerable.Range(0, Math.Min(slots, pool.Length))
            .Select(k => new ScoredItem(pool[(start + k) % pool.Length].ItemId, 0, RecommendationSlots.Exploration))];
    }

    private static List<ScoredItem> PopularItems(RecommendationRequest request, PopularitySnapshot popularity, CatalogSnapshot catalog, IReadOnlySet<string> excluded, ImmutableArray<ScoredItem> ranked, int slots)
    {
        if (slots == 0)
        {
            return [];
        }

        // Popular items the model ranked anyway keep their place; only the others are blended in.
        var inList = ranked.Take(request.Count - slots).Select(i => i.ItemId).ToHashSet(StringComparer.Ordinal);
        var list = request.Category is null ? popularity.Global : popularity.ByCategory.GetValueOrDefault(request.Category, []);
        return [.. list
            .Where(p => !excluded.Contains(p.ItemId) && !inList.Contains(p.ItemId) && catalog.IsRecommendable(p.ItemId, request.Category))
            .Take(slots)
            .Select(p => p with { Slot = RecommendationSlots.ColdStart })];
    }
}
