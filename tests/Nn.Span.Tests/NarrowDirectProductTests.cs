using System.Runtime.Intrinsics.X86;
using static Nn.Span.Tests.Reference;

namespace Nn.Span.Tests;

/// <summary>
/// The direct product for C with at most 16 columns, called through
/// <see cref="DirectGemm.Multiply(float*, nint, Operand, float*, nint, Operand, float*, nint, int, int, int, float, float*, in EpilogueArguments)"/>:
/// every column count 1..16 (256-bit accumulators up to 8 columns, 512-bit ones from 9), and the heights that take each
/// of its kernels (tiles of 2 to 4 and of 5 to 8 rows; 9 to 15 rows as a band of 8 or 12 and a tail of 4; from 16
/// rows, bands of 16, 16 plus a tail of 4 or 8, and bands moved up to end at row M), both layouts of A, beta 0 and not,
/// and every epilogue, against a triple loop in double; also the entry without an epilogue, which sends the plain
/// products of one band pass (9 to 24 rows) straight to it. C has a gap after each row and a guard after its last one,
/// so a store one element too far is seen.
/// </summary>
/// <remarks>
/// Tolerance: as in <see cref="MatrixProductTests"/>, 2 (K + 2) u (sum_p |a_ip b_pj| + |beta c_ij|), u = 2^-24; the
/// epilogues add their own rounding, bounded as in that class's epilogue test.
/// </remarks>
public sealed unsafe class NarrowDirectProductTests
{
    private const int Pitch = 3;
    private const int Guard = 17;

    public static TheoryData<int, int> Shapes()
    {
        // Heights: tiles of 2, 3 and 4 rows, of 5, 7 and 8 rows; 9 to 15 rows (a band of 8 or 12 and a tail of 4 that
        // overlaps it by 3 rows to none); one band; a band and 1, 3, 4 rows (a tail of 4); 5 and 8 rows (a tail of 8); 9
        // and 15 rows (a band moved up); two bands; two bands and a tail of each kind.
        var data = new TheoryData<int, int>();
        foreach (int m in new[] { 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 19, 20, 21, 24, 25, 31, 32, 36, 40, 47 })
        {
            for (int n = 1; n <= 16; n++)
            {
                data.Add(m, n);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_tile_and_band_matches_the_double_triple_loop(int m, int n)
    {
        Assert.SkipUnless(DirectGemm.IsSupported, "The direct form needs AVX-512.");
        foreach (int k in new[] { 1, 3, 10 })
        {
            foreach (Operand opA in new[] { Operand.AsIs, Operand.Transposed })
            {
                Check(m, n, k, opA, 0f, ProductEpilogue.None);
                Check(m, n, k, opA, -0.75f, ProductEpilogue.None);
                Check(m, n, k, opA, 0f, ProductEpilogue.AddBias);
                Check(m, n, k, opA, 0f, ProductEpilogue.AddBiasThenSigmoid);
                Check(m, n, k, opA, 0f, ProductEpilogue.TimesSigmoidDerivative);
            }
        }
    }

    public static TheoryData<int, int> OnePassShapes()
    {
        // Every height that one pass of a band takes (9 to 24 rows) and every column count of a 256-bit accumulator.
        var data = new TheoryData<int, int>();
        for (int m = 9; m <= 24; m++)
        {
            for (int n = 1; n <= 8; n++)
            {
                data.Add(m, n);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(OnePassShapes))]
    public void Plain_products_that_go_straight_to_one_band_pass_match_the_double_triple_loop(int m, int n)
    {
        // The entry without an epilogue sends A B with beta = 0, 9 to 24 rows, at most 8 columns and K < 64 straight to
        // one pass; K = 64, beta != 0 and A^T take the general dispatch. Each result is checked the same way.
        Assert.SkipUnless(DirectGemm.IsSupported, "The direct form needs AVX-512.");
        foreach (int k in new[] { 1, 2, 10, 63, 64 })
        {
            Check(m, n, k, Operand.AsIs, 0f, ProductEpilogue.None, plainEntry: true);
            Check(m, n, k, Operand.AsIs, -0.75f, ProductEpilogue.None, plainEntry: true);
            Check(m, n, k, Operand.Transposed, 0f, ProductEpilogue.None, plainEntry: true);
        }
    }

    [Fact]
    public void Plain_products_whose_rows_of_a_share_cache_sets_take_the_tiles_and_match_the_triple_loop()
    {
        // Rows of A 4 KiB apart crowd one L1 set, so the band is not taken even for 9 to 24 rows.
        Assert.SkipUnless(DirectGemm.IsSupported, "The direct form needs AVX-512.");
        const int aStride = 1024, k = 10;
        foreach ((int m, int n) in new[] { (9, 1), (16, 5), (20, 5), (24, 8) })
        {
            var random = new Random((m * 31) + n);
            float[] a = Uniform<float>(random, ((m - 1) * aStride) + k, -1, 1);
            float[] b = Uniform<float>(random, k * n, -1, 1);
            float[] c = Enumerable.Repeat(float.NaN, (m * n) + Guard).ToArray();
            fixed (float* pa = a, pb = b, pc = c)
            {
                DirectGemm.Multiply(pa, aStride, Operand.AsIs, pb, n, Operand.AsIs, pc, n, m, n, k, 0f, null);
            }

            double u = UnitRoundoff<float>();
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < n; j++)
                {
                    double product = 0, magnitude = 0;
                    for (int p = 0; p < k; p++)
                    {
                        double term = (double)a[(i * aStride) + p] * b[(p * n) + j];
                        product += term;
                        magnitude += Math.Abs(term);
                    }

                    AssertWithin(product, c[(i * n) + j], 2 * (k + 2) * u * magnitude, $"{m} x {n} x {k}, A rows {aStride} apart: C[{i},{j}]");
                }
            }

            Assert.All(c.AsSpan(m * n).ToArray(), value => Assert.True(float.IsNaN(value), "a guard element after C was written"));
        }
    }

    [Fact]
    public void Nan_and_infinity_in_a_or_b_propagate_to_their_row_and_column_in_both_widths_and_kernels()
    {
        Assert.SkipUnless(DirectGemm.IsSupported, "The direct form needs AVX-512.");
        foreach ((int m, int n) in new[] { (20, 5), (20, 8), (20, 9), (20, 16), (12, 5), (13, 12), (7, 5), (8, 16) })
        {
            const int k = 10;
            var random = new Random(n);
            float[] a = Uniform<float>(random, m * k, 0.5, 1);
            float[] b = Uniform<float>(random, k * n, 0.5, 1);
            a[(3 * k) + 4] = float.NaN;                   // row 3 of C: NaN
            int infinityRow = m - 3;                      // in the tail of 4 rows after a band, or in a tile
            a[(infinityRow * k) + 9] = float.PositiveInfinity;
            b[(2 * n) + (n - 1)] = float.NegativeInfinity; // last column: -Inf (NaN where it meets +Inf)
            float[] c = Enumerable.Repeat(float.NaN, m * n).ToArray();
            fixed (float* pa = a, pb = b, pc = c)
            {
                DirectGemm.Multiply(pa, k, Operand.AsIs, pb, n, Operand.AsIs, pc, n, m, n, k, 0f, null);
            }

            NarrowProductChecks.AssertSpecialValues(c, m, n, nanRow: 3, infinityRow: infinityRow, negativeInfinityColumn: n - 1);
        }
    }

    private static void Check(int m, int n, int k, Operand opA, float beta, ProductEpilogue epilogue, bool plainEntry = false)
    {
        var random = new Random((m * 1009) + (n * 37) + (k * 5) + (int)epilogue);
        int rowLength = n + Pitch;
        float[] a = Uniform<float>(random, m * k, -1, 1);     // M x K, or K x M when transposed
        float[] b = Uniform<float>(random, k * n, -1, 1);     // K x N
        float[] bias = Uniform<float>(random, n, -2, 2);
        float[] sigmoid = Uniform<float>(random, m * rowLength, 0, 1);
        float[] previous = Uniform<float>(random, m * n, -1, 1);
        float[] c = Uniform<float>(random, (m * rowLength) + Guard, -1, 1);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                // With beta = 0, C starts as NaN: it must be written without being read.
                c[(i * rowLength) + j] = beta == 0f ? float.NaN : previous[(i * n) + j];
            }
        }

        float[] original = (float[])c.Clone();
        fixed (float* pa = a, pb = b, pc = c, pBias = bias, pSigmoid = sigmoid)
        {
            if (plainEntry)
            {
                DirectGemm.Multiply(pa, opA == Operand.AsIs ? k : m, opA, pb, n, Operand.AsIs, pc, rowLength, m, n, k, beta, null);
            }
            else
            {
                var arguments = new EpilogueArguments(epilogue, pBias, pSigmoid, rowLength);
                DirectGemm.Multiply(pa, opA == Operand.AsIs ? k : m, opA, pb, n, Operand.AsIs, pc, rowLength, m, n, k, beta, null, arguments);
            }
        }

        double u = UnitRoundoff<float>();
        string context = $"{m} x {n} x {k}, A {opA}, beta {beta}, {epilogue}";
        for (int index = 0; index < c.Length; index++)
        {
            int i = index / rowLength, j = index % rowLength;
            if (i >= m || j >= n)
            {
                Assert.True(original[index].Equals(c[index]), $"{context}: element {index}, outside C, was written");
                continue;
            }

            double product = 0, magnitude = 0;
            for (int p = 0; p < k; p++)
            {
                double term = (double)a[opA == Operand.AsIs ? (i * k) + p : (p * m) + i] * b[(p * n) + j];
                product += term;
                magnitude += Math.Abs(term);
            }

            double old = beta * (double)previous[(i * n) + j];
            double e = 2 * (k + 2) * u * (magnitude + Math.Abs(old));
            double h = sigmoid[(i * rowLength) + j];
            (double expected, double bound) = epilogue switch
            {
                ProductEpilogue.None => (product + old, e),
                ProductEpilogue.AddBias => (product + bias[j], e + (u * Math.Abs(product + bias[j]))),
                ProductEpilogue.AddBiasThenSigmoid => SigmoidWithBound(product + bias[j], e, u),
                _ => (product * h * (1 - h), (e * h * (1 - h)) + (3 * u * Math.Abs(product * h * (1 - h)))),
            };
            AssertWithin(expected, c[index], bound, $"{context}: C[{i},{j}]");
        }
    }

    private static (double Exact, double Bound) SigmoidWithBound(double x, double productError, double u)
    {
        double exact = Sigmoid(x);
        return (exact, (productError / 4) + (u * Math.Abs(x)) + (6 * u * exact));
    }
}
