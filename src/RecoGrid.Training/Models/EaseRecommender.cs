using System.Numerics.Tensors;
using RecoGrid.Training.Data;
using RecoGrid.Training.Linalg;

namespace RecoGrid.Training.Models;

/// <summary>
/// EASE (Steck 2019): an item × item linear model with a zero diagonal, in closed form
/// B = I − P·diag(1/diag(P)) with P = (XᵀX + λI)⁻¹. Dense in items, so limited to <see cref="MaxItems"/>.
/// </summary>
public sealed class EaseRecommender : IRecommenderModel
{
    /// <summary>Largest catalogue EASE accepts: the dense items² matrix (and its inverse) must fit in memory.</summary>
    public const int MaxItems = 30_000;

    private float[] _weights = [];
    private int _items;

    /// <summary>Creates the model with regularization <paramref name="lambda"/> (L2 on B).</summary>
    public EaseRecommender(float lambda = 200f, int threads = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(lambda);
        Lambda = lambda;
        Threads = threads > 0 ? threads : Environment.ProcessorCount;
    }

    /// <inheritdoc />
    public string Name { get; init; } = "ease";

    /// <summary>L2 regularization λ added to the diagonal of XᵀX.</summary>
    public float Lambda { get; }

    /// <summary>Worker threads for the Gram matrix and the inverse.</summary>
    public int Threads { get; }

    /// <summary>Whether to treat every interaction as 1 (as in the paper) rather than its weight.</summary>
    public bool Binarize { get; init; } = true;

    /// <summary>The learned items × items weights, row-major (row = source item), after <see cref="Fit"/>.</summary>
    public ReadOnlySpan<float> Weights => _weights;

    /// <inheritdoc />
    public void Fit(CsrMatrix trainUserItems, CancellationToken ct = default)
    {
        var n = trainUserItems.Columns;
        if (n > MaxItems)
        {
            throw new NotSupportedException(
                $"EASE needs a dense {n:N0} × {n:N0} item matrix; it is limited to {MaxItems:N0} items. Use iALS for larger catalogues.");
        }

        var gram = ItemGram(trainUserItems, Binarize, Threads, ct);
        for (var i = 0; i < n; i++)
        {
            gram[((long)i * n) + i] += Lambda;
        }

        ct.ThrowIfCancellationRequested();
        SpdInverse.Invert(gram, n, Threads);
        ct.ThrowIfCancellationRequested();

        // B[i, j] = −P[i, j] / P[j, j] off the diagonal, 0 on it; computed in place.
        var inverseDiagonal = new float[n];
        for (var j = 0; j < n; j++)
        {
            inverseDiagonal[j] = -1f / gram[((long)j * n) + j];
        }

        Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = Threads }, i =>
        {
            var row = gram.AsSpan(i * n, n);
            TensorPrimitives.Multiply(row, inverseDiagonal, row);
            row[i] = 0f;
        });

        _weights = gram;
        _items = n;
    }

    /// <inheritdoc />
    public void Score(ReadOnlySpan<int> foldInItems, ReadOnlySpan<float> foldInValues, Span<float> scores)
    {
        var output = scores[.._items];
        output.Clear();
        for (var k = 0; k < foldInItems.Length; k++)
        {
            var value = Binarize ? 1f : foldInValues[k];
            TensorPrimitives.MultiplyAdd(_weights.AsSpan(foldInItems[k] * _items, _items), value, output, output);
        }
    }

    /// <summary>Dense XᵀX (items × items), one output row per task so the sums are deterministic.</summary>
    internal static float[] ItemGram(CsrMatrix userItems, bool binarize, int threads, CancellationToken ct)
    {
        var n = userItems.Columns;
        var itemUsers = userItems.Transpose();
        var gram = new float[(long)n * n];
        Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = ct }, a =>
        {
            var row = gram.AsSpan(a * n, n);
            var users = itemUsers.RowIndices(a);
            var userWeights = itemUsers.RowValues(a);
            for (var k = 0; k < users.Length; k++)
            {
                var wa = binarize ? 1f : userWeights[k];
                var others = userItems.RowIndices(users[k]);
                var otherWeights = userItems.RowValues(users[k]);
                for (var m = 0; m < others.Length; m++)
                {
                    row[others[m]] += wa * (binarize ? 1f : otherWeights[m]);
                }
            }
        });

        return gram;
    }
}
