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
}
