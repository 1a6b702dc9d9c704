namespace Nn.Span.Tests;

/// <summary>The checks the narrow-C kernel tests share: a product against its double sums, and special values.</summary>
internal static class NarrowProductChecks
{
    /// <summary>
    /// C (M x N with a gap of <paramref name="pitch"/> after each row, then a guard) against the double sums
    /// <paramref name="expected"/> gives for (i, j): within 2 (K + 2) eps sum |terms| (eps = 2^-24), the gaps and the
    /// guard as they were in <paramref name="original"/>.
    /// </summary>
    public static void AssertProduct(
        float[] c, float[] original, int m, int n, int k, int pitch, Func<int, int, (double Sum, double Magnitude)> expected, string context)
    {
        const double eps = 1.0 / (1 << 24);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                (double sum, double magnitude) = expected(i, j);
                double actual = c[(i * (n + pitch)) + j];
                double bound = 2 * (k + 2) * eps * magnitude;
                Assert.True(Math.Abs(actual - sum) <= bound, $"{context}: C[{i},{j}] = {actual}, expected {sum} (bound {bound})");
            }

            for (int g = 0; g < pitch; g++)
            {
                int index = (i * (n + pitch)) + n + g;
                Assert.True(original[index].Equals(c[index]), $"{context}: the gap after row {i} was written");
            }
        }

        for (int index = m * (n + pitch); index < c.Length; index++)
        {
            Assert.True(original[index].Equals(c[index]), $"{context}: the guard after C was written at {index}");
        }
    }

    /// <summary>
    /// C (M x N, contiguous) of positive operands with a NaN in row <paramref name="nanRow"/> of op(A), +Inf in row
    /// <paramref name="infinityRow"/> of op(A) and -Inf in column <paramref name="negativeInfinityColumn"/> of op(B):
    /// NaN in the NaN row and where +Inf meets -Inf, +Inf and -Inf along their row and column, finite elsewhere.
    /// </summary>
    public static void AssertSpecialValues(float[] c, int m, int n, int nanRow, int infinityRow, int negativeInfinityColumn)
    {
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                float value = c[(i * n) + j];
                if (i == nanRow || (i == infinityRow && j == negativeInfinityColumn))
                {
                    Assert.True(float.IsNaN(value), $"C[{i},{j}] = {value}, expected NaN"); // NaN, or +Inf + -Inf
                }
                else if (i == infinityRow)
                {
                    Assert.Equal(float.PositiveInfinity, value);
                }
                else if (j == negativeInfinityColumn)
                {
                    Assert.Equal(float.NegativeInfinity, value);
                }
                else
                {
                    Assert.True(float.IsFinite(value), $"C[{i},{j}] = {value}, expected a finite value");
                }
            }
        }
    }
}
