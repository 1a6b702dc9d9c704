namespace Nn.Span.Tests;

/// <summary>
/// The checks the narrow-C kernel tests share: a product against its double sums, the same with its operands at the
/// ends of accessible memory, and special values.
/// </summary>
internal static unsafe class NarrowProductChecks
{
    /// <summary>A kernel's product of A and B into C, given their addresses (shapes and strides fixed by the caller).</summary>
    public delegate void Product(float* a, float* b, float* c);

    /// <summary>The sum of the K terms <paramref name="term"/> gives for p = 0 .. K - 1, in double, with the sum of their magnitudes.</summary>
    public static (double Sum, double Magnitude) Terms(int k, Func<int, double> term)
    {
        double sum = 0, magnitude = 0;
        for (int p = 0; p < k; p++)
        {
            double value = term(p);
            sum += value;
            magnitude += Math.Abs(value);
        }

        return (sum, magnitude);
    }

    /// <summary>
    /// C (M x N, contiguous, beta = 0) = <paramref name="multiply"/> of A and B (contiguous) with each of the three copied
    /// flush against an inaccessible page (<see cref="ProtectedPages"/>), so that any read or write one element past a
    /// matrix faults; then C against <paramref name="expected"/>, as <see cref="AssertProduct"/>.
    /// </summary>
    public static void AssertAtPageEnds(
        float[] a, float[] b, int m, int n, int k, Product multiply, Func<int, int, (double Sum, double Magnitude)> expected, string context)
    {
        using var aPages = new ProtectedPages(a.Length * sizeof(float));
        using var bPages = new ProtectedPages(b.Length * sizeof(float));
        using var cPages = new ProtectedPages(m * n * sizeof(float));
        Span<float> aPlaced = aPages.Place<float>(a, atEnd: true);
        Span<float> bPlaced = bPages.Place<float>(b, atEnd: true);
        Span<float> cPlaced = cPages.Place<float>(new float[m * n], atEnd: true);
        fixed (float* pa = aPlaced, pb = bPlaced, pc = cPlaced)
        {
            multiply(pa, pb, pc);
        }

        float[] c = cPlaced.ToArray();
        AssertProduct(c, (float[])c.Clone(), m, n, k, 0, expected, context);
    }

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
