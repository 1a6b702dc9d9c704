using System.Runtime.Intrinsics.X86;

namespace Nn.Span.Tests;

/// <summary>
/// The A^T kernel for narrow C (at most 12 columns, at least 16 rows), called directly and through
/// <see cref="Gemm"/>, against a triple loop accumulated in double. Tolerance as for the other products: an entry is a
/// sum of K products, whose float rounding error is bounded by about K eps sum |a_pi b_pj| (eps = 2^-24); the tests
/// allow 2 (K + 2) eps times that magnitude (plus |beta C|).
/// </summary>
public sealed unsafe class TransposedNarrowGemmTests
{
    private const int Pitch = 3;
    private const int Guard = 40;

    public static TheoryData<int, int> Shapes()
    {
        // Rows: one tile, one tile and a row, a block short of one row, one block, a block and a row, and longer odd
        // and prime heights; every column count from 1 to 12.
        var data = new TheoryData<int, int>();
        foreach (int m in new[] { 16, 17, 31, 32, 33, 47, 64, 97 })
        {
            for (int n = 1; n <= TransposedNarrowGemm.MaxColumns; n++)
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
        Assert.True(TransposedNarrowGemm.Suits(Operand.Transposed, m, n, TransposedNarrowGemm.MinDepth));
        foreach (int k in new[] { 1, 3, 16, 37 })
        {
            foreach (Operand opB in new[] { Operand.AsIs, Operand.Transposed })
            {
                foreach (float beta in new[] { 0f, 0.5f })
                {
                    Check(m, n, k, opB, beta, throughGemm: false);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_public_product_matches_the_double_triple_loop(int m, int n)
    {
        // Takes the kernel with AVX-512 at depth 29, the row-wise band at the shallow depths (an outer product, and one
        // step short of the kernel), and the other paths in the fallback configurations.
        foreach (int k in new[] { 1, TransposedNarrowGemm.MinDepth - 1, 29 })
        {
            foreach (Operand opB in new[] { Operand.AsIs, Operand.Transposed })
            {
                Check(m, n, k, opB, 0f, throughGemm: true);
                Check(m, n, k, opB, -1.5f, throughGemm: true);
            }
        }
    }

    [Theory]
    [InlineData(512, 10, 256)] // mnist: dW2 = h^T dZ2
    [InlineData(128, 10, 64)]  // digits: dW2
    [InlineData(1000, 12, 300)]
    public void Network_sized_products_match_the_double_triple_loop(int m, int n, int k)
    {
        Check(m, n, k, Operand.AsIs, 0f, throughGemm: true);
    }

    [Fact]
    public void The_form_takes_only_transposed_A_with_at_least_16_rows_at_most_12_columns_and_8_steps()
    {
        bool avx512 = Avx512F.IsSupported;
        Assert.Equal(avx512, TransposedNarrowGemm.Suits(Operand.Transposed, 512, 10, 256));
        Assert.Equal(avx512, TransposedNarrowGemm.Suits(Operand.Transposed, 16, 12, 8));
        Assert.False(TransposedNarrowGemm.Suits(Operand.AsIs, 512, 10, 256));
        Assert.False(TransposedNarrowGemm.Suits(Operand.Transposed, 15, 10, 256));
        Assert.False(TransposedNarrowGemm.Suits(Operand.Transposed, 512, 13, 256));
        Assert.False(TransposedNarrowGemm.Suits(Operand.Transposed, 512, 10, 7));
        Assert.False(TransposedNarrowGemm.Suits(Operand.Transposed, 32, 10, 1));
    }

    [Fact]
    public void NaN_and_infinity_in_A_or_B_propagate_to_their_row_or_column_and_NaN_in_C_is_ignored_with_beta_zero()
    {
        Assert.SkipUnless(Avx512F.IsSupported, "The kernel needs AVX-512.");
        const int m = 37, n = 10, k = 9;
        var random = new Random(5);
        float[] a = Reference.Uniform<float>(random, k * m, 0.5, 1);  // A stored K x M, positive
        float[] b = Reference.Uniform<float>(random, k * n, 0.5, 1);  // B stored K x N, positive
        a[(4 * m) + 20] = float.NaN;                                  // op(A)[20, 4]: row 20 of C becomes NaN
        a[(2 * m) + 35] = float.PositiveInfinity;                     // op(A)[35, 2]: row 35 of C becomes +Inf
        b[(6 * n) + 7] = float.NegativeInfinity;                      // op(B)[6, 7]: column 7 of C becomes -Inf
        float[] c = Enumerable.Repeat(float.NaN, m * n).ToArray();
        fixed (float* pa = a, pb = b, pc = c)
        {
            TransposedNarrowGemm.Multiply(pa, m, pb, n, Operand.AsIs, pc, n, m, n, k, 0f);
        }

        NarrowProductChecks.AssertSpecialValues(c, m, n, nanRow: 20, infinityRow: 35, negativeInfinityColumn: 7);
    }

    /// <summary>
    /// C = A^T op(B) + beta C with every operand a strided view (a gap of <see cref="Pitch"/> after each row) and C
    /// followed by a guard: the gaps and the guard must come back unchanged.
    /// </summary>
    private static void Check(int m, int n, int k, Operand opB, float beta, bool throughGemm)
    {
        var random = new Random((m * 131) + (n * 17) + k + (opB == Operand.Transposed ? 1 : 0));
        (int bRows, int bColumns) = opB == Operand.AsIs ? (k, n) : (n, k);
        float[] a = Reference.Uniform<float>(random, k * (m + Pitch), -1, 1);
        float[] b = Reference.Uniform<float>(random, bRows * (bColumns + Pitch), -1, 1);
        float[] c = Reference.Uniform<float>(random, (m * (n + Pitch)) + Guard, -1, 1);
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
                new ReadOnlySpan2D<float>(a, 0, k, m, Pitch), Transpose.Transposed,
                new ReadOnlySpan2D<float>(b, 0, bRows, bColumns, Pitch), opB == Operand.AsIs ? Transpose.None : Transpose.Transposed,
                new Span2D<float>(c, 0, m, n, Pitch), beta, new GemmWorkspace<float>());
        }
        else
        {
            fixed (float* pa = a, pb = b, pc = c)
            {
                TransposedNarrowGemm.Multiply(pa, m + Pitch, pb, bColumns + Pitch, opB, pc, n + Pitch, m, n, k, beta);
            }
        }

        string context = $"{m} x {n} x {k}, op(B) {opB}, beta {beta}{(throughGemm ? ", through Gemm" : "")}";
        NarrowProductChecks.AssertProduct(c, original, m, n, k, Pitch, (i, j) =>
        {
            double sum = 0, magnitude = 0;
            for (int p = 0; p < k; p++)
            {
                double term = a[(p * (m + Pitch)) + i] * (double)(opB == Operand.AsIs ? b[(p * (n + Pitch)) + j] : b[(j * (k + Pitch)) + p]);
                sum += term;
                magnitude += Math.Abs(term);
            }

            double added = beta != 0f ? beta * (double)original[(i * (n + Pitch)) + j] : 0;
            return (sum + added, magnitude + Math.Abs(added));
        }, context);
    }
}
