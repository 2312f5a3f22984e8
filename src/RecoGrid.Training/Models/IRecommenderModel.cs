using RecoGrid.Training.Data;

namespace RecoGrid.Training.Models;

/// <summary>A model that evaluation can train and query without knowing what it is.</summary>
public interface IRecommenderModel
{
    /// <summary>Short name used as the key in reports, e.g. "ials".</summary>
    string Name { get; }

    /// <summary>Trains on a user × item matrix of positive weights, replacing any previous fit.</summary>
    void Fit(CsrMatrix trainUserItems, CancellationToken ct = default);

    /// <summary>
    /// Scores every item for a user described only by their known items (folded in, so the user need not be in the
    /// training matrix). Must be safe to call concurrently after <see cref="Fit"/>.
    /// </summary>
    /// <param name="foldInItems">Item indices the user is known to have interacted with.</param>
    /// <param name="foldInValues">Weights aligned with <paramref name="foldInItems"/>.</param>
    /// <param name="scores">Receives one score per item (length = number of items); higher ranks first.</param>
    void Score(ReadOnlySpan<int> foldInItems, ReadOnlySpan<float> foldInValues, Span<float> scores);
}
