using System.Numerics.Tensors;
using RecoGrid.Training.Data;
using RecoGrid.Training.Linalg;

namespace RecoGrid.Training.Solvers;

/// <summary>
/// The iALS objective Σ_all c·(p − x·y)² + Σ_u λ_u|x_u|² + Σ_i λ_i|y_i|², evaluated in O(nnz·d + users·d²)
/// by summing over all pairs as if unobserved (Σ_u x_uᵀ·YᵀY·x_u) and correcting the observed ones.
/// </summary>
public static unsafe class IalsLoss
{
    private const int Chunks = 64;

    /// <summary>
    /// Returns the objective divided by the total confidence mass Σ_observed c + (users·items − nnz),
    /// so that values are comparable across data sets (a model predicting 0 everywhere scores ≈ observed share).
    /// </summary>
    public static double Compute(
        CsrMatrix userItems,
        float[] userFactors,
        float[] itemFactors,
        float[] itemGram,
        int factors,
        IalsSolveParameters parameters,
        int threads)
    {
        var d = factors;
        var users = userItems.Rows;
        var rowsPerChunk = Math.Max(1, (users + Chunks - 1) / Chunks);
        var chunkCount = (users + rowsPerChunk - 1) / rowsPerChunk;
        var partial = new double[chunkCount];
        var partialConfidence = new double[chunkCount];
        Parallel.For(0, chunkCount, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) }, chunk =>
        {
            var gx = new float[d];
            double sum = 0;
            double confidence = 0;
            fixed (float* xs = userFactors)
            fixed (float* ys = itemFactors)
            fixed (float* g = itemGram)
            fixed (float* gxp = gx)
            {
                var end = Math.Min(users, (chunk + 1) * rowsPerChunk);
                for (var u = chunk * rowsPerChunk; u < end; u++)
                {
                    var x = xs + ((nint)u * d);
                    Kernels.SymmetricMatVec(g, d, x, gxp);
                    var norm = Kernels.Dot(x, x, d);
                    sum += Kernels.Dot(x, gxp, d) + (parameters.RowLambda(userItems.RowLength(u)) * norm);
                    var items = userItems.RowIndices(u);
                    var weights = userItems.RowValues(u);
                    for (var k = 0; k < items.Length; k++)
                    {
                        double score = Kernels.Dot(x, ys + ((nint)items[k] * d), d);
                        double c = 1f + (parameters.Alpha * weights[k]);
                        sum += (c * (1 - score) * (1 - score)) - (score * score);
                        confidence += c;
                    }
                }
            }

            partial[chunk] = sum;
            partialConfidence[chunk] = confidence;
        });

        var itemCounts = new int[userItems.Columns];
        foreach (var item in userItems.ColumnIndices)
        {
            itemCounts[item]++;
        }

        double total = 0;
        double mass = 0;
        for (var chunk = 0; chunk < chunkCount; chunk++)
        {
            total += partial[chunk];
            mass += partialConfidence[chunk];
        }

        for (var i = 0; i < userItems.Columns; i++)
        {
            var y = itemFactors.AsSpan(i * d, d);
            double norm = TensorPrimitives.Dot(y, y);
            total += parameters.RowLambda(itemCounts[i]) * norm;
        }

        mass += ((double)users * userItems.Columns) - userItems.NonZeros;
        return mass > 0 ? total / mass : 0;
    }
}
