using System.Runtime.Intrinsics.X86;

namespace Nn.Span.Tests;

/// <summary>
/// The dot-product kernel for a narrow C (at most 12 columns) and a deep product (K &gt;= 256), called directly and
/// through <see cref="Gemm"/>, against a triple loop accumulated in double. Tolerance as for the other products: an entry
/// is a sum of K products, whose float rounding error is bounded by about K eps sum |a_ip b_pj| (eps = 2^-24; the
/// order of the additions does not change the bound); the tests allow 2 (K + 2) eps times that magnitude (plus |beta C|
/// or |bias|).
/// </summary>
public sealed unsafe class DeepNarrowGemmTests
{
    private const int Pitch = 3;
    private const int Guard = 40;

    public static TheoryData<int, int> Shapes()
    {
        // Rows: one (an unpaired row), a pair, a pair and a row, and longer odd heights; every column count 1..12.
        var data = new TheoryData<int, int>();
        foreach (int m in new[] { 1, 2, 3, 7, 16, 33 })
        {
            for (int n = 1; n <= DeepNarrowGemm.MaxColumns; n++)
            {
                data.Add(m, n);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_kernel_matches_the_double_triple_loop(int m, int n)
    {
        Assert.SkipUnless(Avx512F.IsSupported, "The kernel needs AVX-512.");
        // Depths: shallow ones taken with enough rows (whole vectors, a vector tail), the least taken at any height, a
        // vector tail, one chunk, a chunk and a depth, two chunks and a vector tail.
        foreach (int k in new[] { 64, 96, 100, 128, 256, 271, 512, 513, 1031 })
        {
            Assert.True(k < DeepNarrowGemm.MinDepth || DeepNarrowGemm.Suits(Operand.AsIs, m, n, k));
            foreach (Operand opB in new[] { Operand.AsIs, Operand.Transposed })
            {
                Check(m, n, k, opB, 0f, withBias: false, throughGemm: false);
                Check(m, n, k, opB, 0.5f, withBias: false, throughGemm: false);
                Check(m, n, k, opB, 0f, withBias: true, throughGemm: false);
            }
        }
    }

    [Theory]
    [InlineData(256, 10, 512)] // mnist: z = h W2
    [InlineData(64, 10, 128)] // digits: z = h W2
    [InlineData(40, 5, 97)]
    [InlineData(33, 12, 300)]
    [InlineData(7, 1, 1000)]
    public void The_public_product_matches_the_double_triple_loop(int m, int n, int k)
    {
        // Takes the kernel with AVX-512 and the other paths in the fallback configurations.
        foreach (Operand opB in new[] { Operand.AsIs, Operand.Transposed })
        {
            Check(m, n, k, opB, 0f, withBias: false, throughGemm: true);
            Check(m, n, k, opB, -1.5f, withBias: false, throughGemm: true);
        }
    }

    [Fact]
    public void The_form_takes_A_as_stored_with_at_most_12_columns_at_a_depth_of_256_or_a_shallower_one_with_enough_rows()
    {
        bool avx512 = Avx512F.IsSupported;
        Assert.Equal(avx512, DeepNarrowGemm.Suits(Operand.AsIs, 1, 10, 512));
        Assert.Equal(avx512, DeepNarrowGemm.Suits(Operand.AsIs, 1, 12, 256));
        Assert.False(DeepNarrowGemm.Suits(Operand.Transposed, 256, 10, 512));
        Assert.False(DeepNarrowGemm.Suits(Operand.AsIs, 256, 13, 512));

        // Shallower: min(M, 64) K (16 - N) >= 2^15, K >= 96 (64 with at most 5 columns), at most 10 columns.
        Assert.Equal(avx512, DeepNarrowGemm.Suits(Operand.AsIs, 64, 10, 128));
        Assert.Equal(avx512, DeepNarrowGemm.Suits(Operand.AsIs, 1000, 10, 96));
        Assert.Equal(avx512, DeepNarrowGemm.Suits(Operand.AsIs, 32, 8, 128));
        Assert.Equal(avx512, DeepNarrowGemm.Suits(Operand.AsIs, 256, 5, 64));
        Assert.False(DeepNarrowGemm.Suits(Operand.AsIs, 48, 10, 96));
        Assert.False(DeepNarrowGemm.Suits(Operand.AsIs, 1000, 10, 95));
        Assert.False(DeepNarrowGemm.Suits(Operand.AsIs, 1000, 6, 64));
        Assert.False(DeepNarrowGemm.Suits(Operand.AsIs, 1000, 5, 63));
        Assert.False(DeepNarrowGemm.Suits(Operand.AsIs, 1000, 11, 255));
        Assert.False(DeepNarrowGemm.Suits(Operand.AsIs, 1, 10, 255));
    }

    [Fact]
    public void NaN_and_infinity_in_A_or_B_propagate_to_their_row_or_column_and_NaN_in_C_is_ignored_with_beta_zero()
    {
        Assert.SkipUnless(Avx512F.IsSupported, "The kernel needs AVX-512.");
        const int m = 9, n = 10, k = 600;
        var random = new Random(6);
        float[] a = Reference.Uniform<float>(random, m * k, 0.5, 1);  // positive
        float[] b = Reference.Uniform<float>(random, k * n, 0.5, 1);  // B stored K x N, positive
        a[(4 * k) + 550] = float.NaN;                                 // A[4, 550] (second chunk): row 4 of C becomes NaN
        a[(7 * k) + 3] = float.PositiveInfinity;                      // A[7, 3]: row 7 of C becomes +Inf
        b[(300 * n) + 2] = float.NegativeInfinity;                    // B[300, 2]: column 2 of C becomes -Inf
        float[] c = Enumerable.Repeat(float.NaN, m * n).ToArray();
        fixed (float* pa = a, pb = b, pc = c)
        {
            DeepNarrowGemm.Multiply(pa, k, pb, n, Operand.AsIs, pc, n, m, n, k, 0f, null);
        }

        NarrowProductChecks.AssertSpecialValues(c, m, n, nanRow: 4, infinityRow: 7, negativeInfinityColumn: 2);
    }

    /// <summary>
    /// C = A op(B) + beta C (or + bias) with every operand a strided view (a gap of <see cref="Pitch"/> after each row)
    /// and C followed by a guard: the gaps and the guard must come back unchanged.
    /// </summary>
    private static void Check(int m, int n, int k, Operand opB, float beta, bool withBias, bool throughGemm)
    {
        var random = new Random((m * 131) + (n * 17) + k + (opB == Operand.Transposed ? 1 : 0));
        (int bRows, int bColumns) = opB == Operand.AsIs ? (k, n) : (n, k);
        float[] a = Reference.Uniform<float>(random, m * (k + Pitch), -1, 1);
        float[] b = Reference.Uniform<float>(random, bRows * (bColumns + Pitch), -1, 1);
        float[] c = Reference.Uniform<float>(random, (m * (n + Pitch)) + Guard, -1, 1);
        float[] bias = Reference.Uniform<float>(random, n, -2, 2);
        if (beta == 0f)
        {
            // With beta = 0, C's previous contents are never read.
            for (int i = 0; i < m; i++)
            {
                c[(i * (n + Pitch)) + (i % n)] = float.NaN;
            }
        }

        float[] original = (float[])c.Clone();
        if (throughGemm)
        {
            Gemm.Multiply<float>(
                new ReadOnlySpan2D<float>(a, 0, m, k, Pitch), Transpose.None,
                new ReadOnlySpan2D<float>(b, 0, bRows, bColumns, Pitch), opB == Operand.AsIs ? Transpose.None : Transpose.Transposed,
                new Span2D<float>(c, 0, m, n, Pitch), beta, new GemmWorkspace<float>());
        }
        else
        {
            fixed (float* pa = a, pb = b, pc = c, pBias = bias)
            {
                DeepNarrowGemm.Multiply(pa, k + Pitch, pb, bColumns + Pitch, opB, pc, n + Pitch, m, n, k, beta, withBias ? pBias : null);
            }
        }

        string context = $"{m} x {n} x {k}, op(B) {opB}, beta {beta}{(withBias ? ", bias" : "")}{(throughGemm ? ", through Gemm" : "")}";
        NarrowProductChecks.AssertProduct(c, original, m, n, k, Pitch, (i, j) =>
        {
            double sum = 0, magnitude = 0;
            for (int p = 0; p < k; p++)
            {
                double term = a[(i * (k + Pitch)) + p] * (double)(opB == Operand.AsIs ? b[(p * (n + Pitch)) + j] : b[(j * (k + Pitch)) + p]);
                sum += term;
                magnitude += Math.Abs(term);
            }

            double added = beta != 0f ? beta * (double)original[(i * (n + Pitch)) + j] : withBias ? bias[j] : 0;
            return (sum + added, magnitude + Math.Abs(added));
        }, context);
    }
}
