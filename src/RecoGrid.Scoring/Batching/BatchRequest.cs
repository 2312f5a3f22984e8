using System.Buffers;

namespace RecoGrid.Scoring.Batching;

/// <summary>
/// One row of a batch: a user vector, the item indices to suppress, and how many results to fetch; for the candidate
/// graph, the row's candidate item indices instead of exclusions.
/// </summary>
public sealed record BatchRequest(ReadOnlyMemory<float> UserVector, ReadOnlyMemory<int> ExcludedIndices, int K)
{
    /// <summary>The candidates to rank (two-stage rows only).</summary>
    public ReadOnlyMemory<int> Candidates { get; init; }
}

/// <summary>Runs one batch; the production runner is <see cref="ModelBatchRunner"/>, tests inject their own.</summary>
public interface IBatchRunner
{
    /// <summary>Scores every request of the batch; returns one result per request, in order.</summary>
    Task<IReadOnlyList<RankedItems>> RunAsync(IReadOnlyList<BatchRequest> batch, CancellationToken cancellationToken);
}

/// <summary>
/// Runs batches through a <see cref="ScoringModel"/>'s full-catalogue graph, in one ONNX Runtime call per
/// <see cref="MaxScoresPerRun"/> scores: every row of a run materializes a score per item, so a catalogue of millions
/// runs a batch in slices (at 10 million items, 256 rows would need 10 GB per intermediate tensor). With
/// <paramref name="similar"/> the rows are unit item vectors run through the similar-items (cosine) graph instead.
/// </summary>
public sealed class ModelBatchRunner(ScoringModel model, bool similar = false) : IBatchRunner
{
    /// <summary>Scores (rows × items) one run may materialize: 64 M floats, 256 MB per intermediate tensor.</summary>
    public const long MaxScoresPerRun = 1L << 26;

    public Task<IReadOnlyList<RankedItems>> RunAsync(IReadOnlyList<BatchRequest> batch, CancellationToken cancellationToken)
    {
        var factors = model.Factors;
        var slice = (int)Math.Clamp(MaxScoresPerRun / (model.ItemCount + 1L), 1, Math.Max(1, batch.Count));
        var results = new RankedItems[batch.Count];
        var users = ArrayPool<float>.Shared.Rent(Math.Min(slice, batch.Count) * factors);
        try
        {
            for (var start = 0; start < batch.Count; start += slice)
            {
                var count = Math.Min(slice, batch.Count - start);
                var exclusions = new ReadOnlyMemory<int>[count];
                var k = 1;
                for (var row = 0; row < count; row++)
                {
                    var request = batch[start + row];
                    request.UserVector.Span.CopyTo(users.AsSpan(row * factors, factors));
                    exclusions[row] = request.ExcludedIndices;
                    k = Math.Max(k, request.K);
                }

                var rows = similar
                    ? model.RunSimilar(users.AsSpan(0, count * factors), count, exclusions, k)
                    : model.RunTopK(users.AsSpan(0, count * factors), count, exclusions, k);
                for (var row = 0; row < count; row++)
                {
                    var wanted = batch[start + row].K;
                    results[start + row] = wanted < rows[row].Count
                        ? new RankedItems(rows[row].Indices[..wanted], rows[row].Scores[..wanted])
                        : rows[row];
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(users);
        }

        return Task.FromResult<IReadOnlyList<RankedItems>>(results);
    }
}

/// <summary>Runs batches of candidate rows through a <see cref="ScoringModel"/>'s candidate graph in one ONNX Runtime call.</summary>
public sealed class CandidateBatchRunner(ScoringModel model) : IBatchRunner
{
    public Task<IReadOnlyList<RankedItems>> RunAsync(IReadOnlyList<BatchRequest> batch, CancellationToken cancellationToken)
    {
        var factors = model.Factors;
        var users = ArrayPool<float>.Shared.Rent(batch.Count * factors);
        var candidates = new ReadOnlyMemory<int>[batch.Count];
        var k = 1;
        RankedItems[] rows;
        try
        {
            for (var row = 0; row < batch.Count; row++)
            {
                batch[row].UserVector.Span.CopyTo(users.AsSpan(row * factors, factors));
                candidates[row] = batch[row].Candidates;
                k = Math.Max(k, batch[row].K);
            }

            rows = model.RunCandidates(users.AsSpan(0, batch.Count * factors), batch.Count, candidates, k);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(users);
        }

        for (var row = 0; row < rows.Length; row++)
        {
            var keep = Math.Min(batch[row].K, batch[row].Candidates.Length);
            if (keep < rows[row].Count)
            {
                rows[row] = new RankedItems(rows[row].Indices[..keep], rows[row].Scores[..keep]);
            }
        }

        return Task.FromResult<IReadOnlyList<RankedItems>>(rows);
    }
}
