using System.Collections.Frozen;
using RecoGrid.Training.Models;

namespace RecoGrid.Grains.Models;

/// <summary>
/// What a user grain needs of the promoted model: its version, the item index, the model's fold-in and the trained
/// user vectors.
/// </summary>
public sealed class FoldInModel
{
    public FoldInModel(string version, IReadOnlyList<string> itemIds, IalsFoldIn foldIn, IUserVectorSource? trainedUsers)
    {
        Version = version;
        FoldIn = foldIn;
        TrainedUsers = trainedUsers;
        ItemIds = itemIds;
        ItemIndex = itemIds.Select((id, index) => (id, index)).ToFrozenDictionary(p => p.id, p => p.index, StringComparer.Ordinal);
    }

    public string Version { get; }

    /// <summary>Latent dimension d.</summary>
    public int Factors => FoldIn.Factors;

    public FrozenDictionary<string, int> ItemIndex { get; }

    /// <summary>Item id of each item row.</summary>
    public IReadOnlyList<string> ItemIds { get; }

    /// <summary>The model's own fold-in (Training owns the solve and its typed parameters).</summary>
    public IalsFoldIn FoldIn { get; }

    public IUserVectorSource? TrainedUsers { get; }

    /// <summary>The trained users' training rows, when the version carries them (explanations of trained vectors use them).</summary>
    public IUserHistorySource? TrainingHistory { get; init; }

    /// <summary>
    /// Solves a user's vector from interactions (weights summed per item, items unknown to the model ignored).
    /// Returns null when none of the items is in the model.
    /// </summary>
    public float[]? SolveVector(IEnumerable<(string ItemId, float Weight)> interactions)
    {
        var weights = new Dictionary<int, float>();
        foreach (var (itemId, weight) in interactions)
        {
            if (ItemIndex.TryGetValue(itemId, out var index))
            {
                weights[index] = weights.GetValueOrDefault(index) + weight;
            }
        }

        if (weights.Count == 0)
        {
            return null;
        }

        var items = weights.Keys.ToArray();
        var values = items.Select(i => weights[i]).ToArray();
        var result = new float[Factors];
        FoldIn.SolveUser(items, values, result);
        return result;
    }

    /// <summary>
    /// Every history item's exact share of each target's fold-in score (see <see cref="IalsFoldIn.Explain"/>), with the
    /// history aggregated as <see cref="SolveVector"/> does; per target, shares in history order. Targets unknown to
    /// the model get no shares.
    /// </summary>
    public IReadOnlyDictionary<string, ItemShare[]> Explain(IEnumerable<(string ItemId, float Weight)> interactions, IEnumerable<string> targetIds)
    {
        var weights = new Dictionary<int, float>();
        foreach (var (itemId, weight) in interactions)
        {
            if (ItemIndex.TryGetValue(itemId, out var index))
            {
                weights[index] = weights.GetValueOrDefault(index) + weight;
            }
        }

        var items = weights.Keys.ToArray();
        var values = items.Select(i => weights[i]).ToArray();
        var targets = targetIds.Where(ItemIndex.ContainsKey).Distinct(StringComparer.Ordinal).ToArray();
        var shares = FoldIn.Explain(items, values, [.. targets.Select(t => ItemIndex[t])]);
        var result = new Dictionary<string, ItemShare[]>(targets.Length, StringComparer.Ordinal);
        for (var t = 0; t < targets.Length; t++)
        {
            var row = new ItemShare[items.Length];
            for (var j = 0; j < items.Length; j++)
            {
                row[j] = new ItemShare(ItemIds[items[j]], shares[(t * items.Length) + j]);
            }

            result[targets[t]] = row;
        }

        return result;
    }
}

/// <summary>One history item's share of a fold-in score.</summary>
public readonly record struct ItemShare(string ItemId, double Contribution);

/// <summary>Where a trained user's training rows can be looked up (item ids with their summed weights).</summary>
public interface IUserHistorySource
{
    bool TryGet(string userId, out IReadOnlyList<(string ItemId, float Weight)> rows);
}
