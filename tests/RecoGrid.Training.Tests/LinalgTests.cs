using RecoGrid.Training.Linalg;

namespace RecoGrid.Training.Tests;

public sealed class LinalgTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(37)]
    [InlineData(192)]
    [InlineData(451)]
    public void SpdInverseTimesTheMatrixIsTheIdentity(int n)
    {
        // Sizes straddle the 192 block size so that partial tiles and several block columns are exercised.
        var a = n <= 192 ? RandomSpd(n, seed: n) : DiagonallyDominantSpd(n, seed: n);
        var inverse = (float[])a.Clone();
        SpdInverse.Invert(inverse, n, threads: 2);

        // A·(A⁻¹·e_j) for a sample of columns j (all of them for small n) must be e_j.
        var worst = 0.0;
        var step = n <= 64 ? 1 : n / 23;
        for (var j = 0; j < n; j += step)
        {
            for (var i = 0; i < n; i++)
            {
                double sum = 0;
                for (var k = 0; k < n; k++)
                {
                    sum += (double)a[(i * n) + k] * inverse[(k * n) + j];
                }

                worst = Math.Max(worst, Math.Abs(sum - (i == j ? 1 : 0)));
            }
        }

        Assert.True(worst < 1e-3, $"max |A·A⁻¹ − I| = {worst}");
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < i; j++)
            {
                Assert.Equal(inverse[(i * n) + j], inverse[(j * n) + i]);
            }
        }
    }

    [Fact]
    public void SpdInverseRejectsAnIndefiniteMatrix()
    {
        float[] a = [1, 2, 2, 1];
        Assert.Throws<ArgumentException>(() => SpdInverse.Invert(a, 2, 1));
    }

    [Fact]
    public void DenseCholeskySolvesASmallSystem()
    {
        const int n = 13;
        var a = RandomSpd(n, seed: 3);
        var x = PlantedData.RandomNormal(n, seed: 4);
        var b = new float[n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < n; j++)
            {
                b[i] += a[(i * n) + j] * x[j];
            }
        }

        Assert.True(DenseCholesky.Factor(a, n));
        DenseCholesky.Solve(a, n, b);
        for (var i = 0; i < n; i++)
        {
            Assert.Equal(x[i], b[i], 3);
        }
    }

    [Theory]
    [InlineData(5, 3)]
    [InlineData(1000, 64)]
    [InlineData(333, 21)]
    public void GramMatrixMatchesTheDefinition(int rows, int d)
    {
        var y = PlantedData.RandomNormal(rows * d, seed: rows);
        var gram = GramMatrix.Compute(y, rows, d, threads: 2);
        for (var i = 0; i < d; i++)
        {
            for (var j = 0; j < d; j++)
            {
                double sum = 0;
                for (var r = 0; r < rows; r++)
                {
                    sum += (double)y[(r * d) + i] * y[(r * d) + j];
                }

                Assert.True(Math.Abs(sum - gram[(i * d) + j]) < 1e-3 * (1 + Math.Abs(sum)), $"({i},{j}): {sum} vs {gram[(i * d) + j]}");
            }
        }
    }

    /// <summary>MᵀM/n + I for a random M: well conditioned and SPD.</summary>
    internal static float[] RandomSpd(int n, int seed)
    {
        var m = PlantedData.RandomNormal(n * n, seed);
        var a = new float[n * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j <= i; j++)
            {
                double sum = 0;
                for (var k = 0; k < n; k++)
                {
                    sum += (double)m[(k * n) + i] * m[(k * n) + j];
                }

                var value = (float)(sum / n) + (i == j ? 1f : 0f);
                a[(i * n) + j] = value;
                a[(j * n) + i] = value;
            }
        }

        return a;
    }

    /// <summary>A random symmetric matrix with a dominant diagonal: SPD and cheap to build for larger n.</summary>
    private static float[] DiagonallyDominantSpd(int n, int seed)
    {
        var random = new Random(seed);
        var a = new float[n * n];
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < i; j++)
            {
                var value = (float)(random.NextDouble() - 0.5);
                a[(i * n) + j] = value;
                a[(j * n) + i] = value;
            }

            a[(i * n) + i] = n / 3f;
        }

        return a;
    }
}
