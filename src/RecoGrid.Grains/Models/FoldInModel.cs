using System.Collections.Frozen;
using RecoGrid.Training.Models;
using RecoGrid.Training.Solvers;

namespace RecoGrid.Grains.Models;

/// <summary>
/// What a user grain needs of the promoted model: its version, the item factors and their Gram matrix
/// for fold-in, and the trained user vectors.
/// </summary>
public sealed class FoldInModel
{
    private readonly IalsFoldIn _foldIn;

    public FoldInModel(
        string version, int factors, IReadOnlyList<string> itemIds, float[] itemFactors, float[] itemGram,
        IalsSolveParameters parameters, IUserVectorSource? trainedUsers)
    {
        Version = version;
        Factors = factors;
        ItemFactors = itemFactors;
        ItemGram = itemGram;
        Parameters = parameters;
        TrainedUsers = trainedUsers;
        _foldIn = new IalsFoldIn(itemFactors, factors, itemGram, parameters);
        ItemIndex = itemIds.Select((id, index) => (id, index)).ToFrozenDictionary(p => p.id, p => p.index, StringComparer.Ordinal);
    }

    public string Version { get; }

    public int Factors { get; }

    public FrozenDictionary<string, int> ItemIndex { get; }

    public float[] ItemFactors { get; }

    public float[] ItemGram { get; }

    public IalsSolveParameters Parameters { get; }

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
        _foldIn.SolveUser(items, values, result);
        return result;
    }
}
