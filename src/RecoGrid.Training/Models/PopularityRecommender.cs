using RecoGrid.Training.Data;

namespace RecoGrid.Training.Models;

/// <summary>Baseline: ranks items by how many training users interacted with them, the same for everyone.</summary>
public sealed class PopularityRecommender : IRecommenderModel
{
    private float[] _counts = [];

    /// <inheritdoc />
    public string Name => "popularity";

    /// <summary>Number of training users per item, after <see cref="Fit"/>.</summary>
    public ReadOnlySpan<float> ItemCounts => _counts;

    /// <inheritdoc />
    public void Fit(CsrMatrix trainUserItems, CancellationToken ct = default)
    {
        ct.ThrowIfCancellationRequested();
        var result = new float[trainUserItems.Columns];
        foreach (var item in trainUserItems.ColumnIndices)
        {
            result[item]++;
        }

        _counts = result;
    }

    /// <inheritdoc />
    public void Score(ReadOnlySpan<int> foldInItems, ReadOnlySpan<float> foldInValues, Span<float> scores) =>
        _counts.AsSpan().CopyTo(scores);
}
