using RecoGrid.Abstractions;
using RecoGrid.Grains.CoVisitation;
using RecoGrid.Grains.Popularity;
using RecoGrid.Scoring.Retrieval;

namespace RecoGrid.Server.Models;

/// <summary>
/// Two-stage candidates from co-visitation: items that followed the user's recent items, each follower scored by its
/// decayed count summed over the seeds, nearer seeds (more recent) weighing more.
/// </summary>
public sealed class CoVisitationCandidateSource(IFollowerLists followers) : ICandidateSource
{
    public const string SourceName = "co-visitation";

    public string Name => SourceName;

    public async ValueTask CollectAsync(CandidateQuery query, CandidateSet candidates, CancellationToken cancellationToken)
    {
        var limit = query.Options.CoVisitationCandidates;
        if (limit == 0 || query.RecentItems.IsEmpty)
        {
            return;
        }

        var model = query.Model;
        var seeds = query.RecentItems.ToArray().Select(index => model.ItemIds[index]).ToArray();
        var lists = await followers.GetAsync(seeds);
        var scores = new Dictionary<string, double>(StringComparer.Ordinal);
        for (var rank = 0; rank < lists.Length; rank++)
        {
            var weight = 1.0 / (rank + 1);
            foreach (var follower in lists[rank])
            {
                scores[follower.ItemId] = scores.GetValueOrDefault(follower.ItemId) + (weight * follower.Score);
            }
        }

        var added = 0;
        foreach (var (itemId, _) in scores.OrderByDescending(s => s.Value).ThenBy(s => s.Key, StringComparer.Ordinal))
        {
            if (added == limit)
            {
                break;
            }

            if (model.TryGetIndex(itemId, out var index) && candidates.Add(index, SourceName))
            {
                added++;
            }
        }
    }
}

/// <summary>Two-stage candidates from the decayed popularity ranking (of the request's category when it has one).</summary>
public sealed class PopularityCandidateSource(Func<CancellationToken, ValueTask<PopularitySnapshot>> ranking) : ICandidateSource
{
    public const string SourceName = "popular";

    /// <summary>Reads the silo's copy of the merged ranking.</summary>
    public PopularityCandidateSource(PopularityCache popularity)
        : this(popularity.GetAsync)
    {
    }

    public string Name => SourceName;

    public async ValueTask CollectAsync(CandidateQuery query, CandidateSet candidates, CancellationToken cancellationToken)
    {
        var limit = query.Options.PopularCandidates;
        if (limit == 0)
        {
            return;
        }

        var snapshot = await ranking(cancellationToken);
        var items = query.Category is null ? snapshot.Global : snapshot.ByCategory.GetValueOrDefault(query.Category, []);
        var added = 0;
        foreach (var item in items)
        {
            if (added == limit)
            {
                break;
            }

            if (query.Model.TryGetIndex(item.ItemId, out var index) && candidates.Add(index, SourceName))
            {
                added++;
            }
        }
    }
}
