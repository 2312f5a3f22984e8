namespace RecoGrid.Scoring.Hosting;

/// <summary>Turns raw top-K rows into results: drops suppressed items, applies the request filter, maps ids.</summary>
internal static class ResultSelector
{
    public static List<ScoredItem> Select(RankedItems ranked, ScoringModel model, Func<int, bool>? filter, int count)
    {
        var items = new List<ScoredItem>(Math.Min(count, ranked.Count));
        for (var i = 0; i < ranked.Count && items.Count < count; i++)
        {
            var index = ranked.Indices[i];
            var score = ranked.Scores[i];
            if (Onnx.ScoringGraphNames.IsSuppressed(score) || index >= model.ItemCount || (filter is not null && !filter(index)))
            {
                continue;
            }

            items.Add(new ScoredItem(index, model.ItemIds[index], score));
        }

        return items;
    }

    /// <summary>Every available, not excluded item that passes the filter: the candidate list of the fallback.</summary>
    public static int[] FilteredCandidates(ScoringModel model, Func<int, bool> filter, IReadOnlySet<int> excluded)
    {
        var candidates = new List<int>();
        for (var index = 0; index < model.ItemCount; index++)
        {
            if (model.IsAvailable(index) && !excluded.Contains(index) && filter(index))
            {
                candidates.Add(index);
            }
        }

        return [.. candidates];
    }
}
