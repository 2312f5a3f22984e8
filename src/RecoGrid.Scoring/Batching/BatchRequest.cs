using System.Buffers;

namespace RecoGrid.Scoring.Batching;

/// <summary>One row of a batch: a user vector, the item indices to suppress, and how many results to fetch.</summary>
public sealed record BatchRequest(ReadOnlyMemory<float> UserVector, ReadOnlyMemory<int> ExcludedIndices, int K);

/// <summary>Runs one batch; the production runner is <see cref="ModelBatchRunner"/>, tests inject their own.</summary>
public interface IBatchRunner
{
    /// <summary>Scores every request of the batch; returns one result per request, in order.</summary>
    Task<IReadOnlyList<RankedItems>> RunAsync(IReadOnlyList<BatchRequest> batch, CancellationToken cancellationToken);
}

/// <summary>Runs batches through a <see cref="ScoringModel"/>'s full-catalogue graph in one ONNX Runtime call.</summary>
public sealed class ModelBatchRunner(ScoringModel model) : IBatchRunner
{
    public Task<IReadOnlyList<RankedItems>> RunAsync(IReadOnlyList<BatchRequest> batch, CancellationToken cancellationToken)
    {
        var factors = model.Factors;
        var users = ArrayPool<float>.Shared.Rent(batch.Count * factors);
        var exclusions = new ReadOnlyMemory<int>[batch.Count];
        var k = 1;
        RankedItems[] rows;
        try
        {
            for (var row = 0; row < batch.Count; row++)
            {
                batch[row].UserVector.Span.CopyTo(users.AsSpan(row * factors, factors));
                exclusions[row] = batch[row].ExcludedIndices;
                k = Math.Max(k, batch[row].K);
            }

            rows = model.RunTopK(users.AsSpan(0, batch.Count * factors), batch.Count, exclusions, k);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(users);
        }

        for (var row = 0; row < rows.Length; row++)
        {
            if (batch[row].K < rows[row].Count)
            {
                rows[row] = new RankedItems(rows[row].Indices[..batch[row].K], rows[row].Scores[..batch[row].K]);
            }
        }

        return Task.FromResult<IReadOnlyList<RankedItems>>(rows);
    }
}
