using RecoGrid.Abstractions;
using RecoGrid.Grains.Models;

namespace RecoGrid.Grains.Catalog;

/// <summary>
/// The catalogued items the promoted model has no factors for (catalogued after it was trained, or never interacted
/// with), newest first: the items exploration slots expose. Rebuilt only when the catalogue copy or the model changes.
/// </summary>
public sealed class UnfactoredItems
{
    private Cached? _cached;

    /// <summary>Available unfactored items, most recently catalogued first, including this silo's recent writes.</summary>
    public IEnumerable<ItemRecord> Get(CatalogSnapshot catalog, FoldInModel model)
    {
        var cached = Volatile.Read(ref _cached);
        if (cached is null || !ReferenceEquals(cached.Items, catalog.Items) || !ReferenceEquals(cached.Model, model))
        {
            var list = catalog.Items.Values
                .Where(item => !model.ItemIndex.ContainsKey(item.ItemId))
                .OrderByDescending(item => item.UpdatedAt)
                .ThenBy(item => item.ItemId, StringComparer.Ordinal)
                .ToArray();
            cached = new Cached(catalog.Items, model, list);
            Volatile.Write(ref _cached, cached);
        }

        if (cached.List.Length == 0 && !catalog.RecentWrites.Any())
        {
            return []; // The common case once every item is trained: nothing to explore, and nothing allocated per request.
        }

        var recent = catalog.RecentWrites.Where(item => !model.ItemIndex.ContainsKey(item.ItemId)).ToList();
        IEnumerable<ItemRecord> all = cached.List;
        if (recent.Count > 0)
        {
            var written = recent.Select(r => r.ItemId).ToHashSet(StringComparer.Ordinal);
            all = recent.Concat(cached.List.Where(item => !written.Contains(item.ItemId)))
                .OrderByDescending(item => item.UpdatedAt)
                .ThenBy(item => item.ItemId, StringComparer.Ordinal);
        }

        // Availability is read through the snapshot so a recent write that withdrew an item counts.
        return all.Where(item => catalog.TryGet(item.ItemId, out var current) && current.Available);
    }

    private sealed record Cached(object Items, FoldInModel Model, ItemRecord[] List);
}
