using System.Runtime.Intrinsics.X86;
using static Nn.Span.Tests.Reference;

namespace Nn.Span.Tests;

/// <summary>
/// The AVX2 product for C with at most 16 columns (<see cref="NarrowGemm256"/>): every column count 1..16 (one vector
/// per row up to 8 columns, in tiles of 12 rows; ten columns in tiles of 4 rows sharing a vector for columns 8 and 9;
/// the others from 9, two vectors a row in tiles of 6; wider C in blocks of 16 columns), heights around whole tiles and partial
/// ones, both layouts of A, beta 0 (C starts as NaN: never read) and not, with and without the bias, against a triple
/// loop in double. C has a gap after each row and a guard after its last one, so a store one element too far is seen.
/// Tolerance: as in <see cref="MatrixProductTests"/>, 2 (K + 2) u (sum_p |a_ip b_pj| + |beta c_ij|), u = 2^-24, and one
/// more rounding u |c_ij| for the bias.
/// </summary>
public sealed unsafe class NarrowGemm256Tests
{
    private const int Pitch = 3;
    private const int Guard = 17;

    public static TheoryData<int, int> Shapes()
    {
        var data = new TheoryData<int, int>();
        foreach (int m in new[] { 1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 12, 13, 17, 20, 21, 24, 25, 31 })
        {
            for (int n = 1; n <= 16; n++)
            {
                data.Add(m, n);
            }
        }

        // Few rows and more columns: blocks of 16 columns, the last one of each width class.
        foreach (int m in new[] { 1, 3, 6 })
        {
            foreach (int n in new[] { 17, 24, 26, 32, 33, 47 })
            {
                data.Add(m, n);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Every_tile_height_and_column_count_matches_the_double_triple_loop(int m, int n)
    {
        Assert.SkipUnless(Avx2.IsSupported && Fma.IsSupported, "The kernel needs AVX2 and FMA.");
        foreach (int k in new[] { 1, 3, 10, 33 })
        {
            foreach (Operand opA in new[] { Operand.AsIs, Operand.Transposed })
            {
                Check(m, n, k, opA, 0f, withBias: false);
                Check(m, n, k, opA, -0.75f, withBias: false);
                Check(m, n, k, opA, 0f, withBias: true);
                Check(m, n, k, opA, 1f, withBias: true);
            }
        }
    }

    [Fact]
    public void Nan_and_infinity_in_a_or_b_propagate_to_their_row_and_column()
    {
        Assert.SkipUnless(Avx2.IsSupported && Fma.IsSupported, "The kernel needs AVX2 and FMA.");
        foreach ((int m, int n) in new[] { (20, 5), (20, 8), (20, 9), (20, 10), (13, 10), (7, 10), (20, 16), (12, 5), (13, 12), (7, 5), (8, 16) })
        {
            const int k = 10;
            var random = new Random(n);
            float[] a = Uniform<float>(random, m * k, 0.5, 1);
            float[] b = Uniform<float>(random, k * n, 0.5, 1);
            a[(3 * k) + 4] = float.NaN;                   // row 3 of C: NaN
            int infinityRow = m - 3;                      // in the last, partial tile or a full one
            a[(infinityRow * k) + 9] = float.PositiveInfinity;
            b[(2 * n) + (n - 1)] = float.NegativeInfinity; // last column: -Inf (NaN where it meets +Inf)
            float[] c = Enumerable.Repeat(float.NaN, m * n).ToArray();
            fixed (float* pa = a, pb = b, pc = c)
            {
                NarrowGemm256.Multiply(pa, k, 1, pb, n, pc, n, m, n, k, 0f, null);
            }

            NarrowProductChecks.AssertSpecialValues(c, m, n, nanRow: 3, infinityRow: infinityRow, negativeInfinityColumn: n - 1);
        }
    }

    [Fact]
    public void The_network_products_of_at_most_16_columns_take_it_on_processors_without_avx512()
    {
        bool avx2Only = Avx2.IsSupported && Fma.IsSupported && !Avx512F.IsSupported;
        Assert.Equal(avx2Only, NarrowGemm256.Takes(256, 10, Operand.AsIs));
        Assert.Equal(avx2Only, NarrowGemm256.Takes(256, 16, Operand.AsIs));
        Assert.Equal(avx2Only, NarrowGemm256.Takes(6, 512, Operand.AsIs)); // few rows: blocks of 16 columns
        Assert.False(NarrowGemm256.Takes(7, 17, Operand.AsIs));
        Assert.False(NarrowGemm256.Takes(256, 10, Operand.Transposed));
    }

    private static void Check(int m, int n, int k, Operand opA, float beta, bool withBias)
    {
        var random = new Random((m * 1009) + (n * 37) + (k * 5) + (withBias ? 1 : 0));
        int rowLength = n + Pitch;
        float[] a = Uniform<float>(random, m * k, -1, 1);     // M x K, or K x M when transposed
        float[] b = Uniform<float>(random, k * n, -1, 1);     // K x N
        float[] bias = Uniform<float>(random, n, -2, 2);
        float[] previous = Uniform<float>(random, m * n, -1, 1);
        float[] c = Uniform<float>(random, (m * rowLength) + Guard, -1, 1);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                c[(i * rowLength) + j] = beta == 0f ? float.NaN : previous[(i * n) + j];
            }
        }

        float[] original = (float[])c.Clone();
        fixed (float* pa = a, pb = b, pc = c, pBias = bias)
        {
            // Element (i, p) of op(A): a[i k + p] as stored, a[p m + i] transposed.
            NarrowGemm256.Multiply(pa, opA == Operand.AsIs ? k : 1, opA == Operand.AsIs ? 1 : m, pb, n, pc, rowLength, m, n, k, beta, withBias ? pBias : null);
        }

        double u = UnitRoundoff<float>();
        string context = $"{m} x {n} x {k}, A {opA}, beta {beta}, bias {withBias}";
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
            double expected = product + old + (withBias ? bias[j] : 0);
            double bound = (2 * (k + 2) * u * (magnitude + Math.Abs(old))) + (withBias ? u * Math.Abs(expected) : 0);
            AssertWithin(expected, c[index], bound, $"{context}: C[{i},{j}]");
        }
    }
}
