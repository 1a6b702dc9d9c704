using System.Runtime.Intrinsics.X86;

namespace Nn.Span.Tests;

/// <summary>
/// The AVX2 column-wise kernel for C = A^T B with a narrow C (<see cref="TransposedNarrowGemm256"/>), called directly for
/// every column count 1..16 and through <see cref="Gemm"/>, against a triple loop accumulated in double. Tolerance as
/// for the other products: 2 (K + 2) eps sum_p |a_pi b_pj| (plus |beta C|), eps = 2^-24.
/// </summary>
public sealed unsafe class TransposedNarrowGemm256Tests
{
    private const int Pitch = 3;
    private const int Guard = 40;

    public static TheoryData<int, int> Shapes()
    {
        // Heights: within one vector of rows, one vector, a vector and one, a block of 16 and around it, two blocks and one
        // row; every column count 1..16 (one to four passes of at most five columns).
        var data = new TheoryData<int, int>();
        foreach (int m in new[] { 1, 2, 7, 8, 9, 15, 16, 17, 33 })
        {
            for (int n = 1; n <= TransposedNarrowGemm256.MaxColumns; n++)
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
        Assert.SkipUnless(Avx2.IsSupported && Fma.IsSupported, "The kernel needs AVX2 and FMA.");
        foreach (int k in new[] { 1, 2, 7, 64, 257 })
        {
            Check(m, n, k, 0f, throughGemm: false);
            Check(m, n, k, 0.5f, throughGemm: false);
        }
    }

    [Theory]
    [InlineData(512, 10, 256)] // mnist: dW2 = h^T dZ2
    [InlineData(128, 10, 64)]  // digits: dW2 = h^T dZ2
    [InlineData(17, 9, 33)]
    [InlineData(40, 3, 100)]
    [InlineData(2, 1, 1000)]
    public void The_public_product_matches_the_double_triple_loop(int m, int n, int k)
    {
        // Takes the kernel with AVX2 and FMA without AVX-512, and the other paths elsewhere.
        Assert.True(TransposedNarrowGemm256.Suits(m, n, k));
        Check(m, n, k, 0f, throughGemm: true);
        Check(m, n, k, -1.5f, throughGemm: true);
    }

    [Fact]
    public void The_form_takes_up_to_five_columns_and_nine_or_ten_with_16_rows()
    {
        Assert.True(TransposedNarrowGemm256.Suits(1, 1, 1));
        Assert.True(TransposedNarrowGemm256.Suits(2, 5, 1000));
        Assert.True(TransposedNarrowGemm256.Suits(16, 9, 1));
        Assert.True(TransposedNarrowGemm256.Suits(512, 10, 256));
        Assert.False(TransposedNarrowGemm256.Suits(15, 10, 256));
        Assert.False(TransposedNarrowGemm256.Suits(512, 6, 256));
        Assert.False(TransposedNarrowGemm256.Suits(512, 8, 256));
        Assert.False(TransposedNarrowGemm256.Suits(512, 11, 256));
        Assert.False(TransposedNarrowGemm256.Suits(512, 16, 256));
    }

    [Fact]
    public void NaN_and_infinity_in_A_or_B_propagate_to_their_row_or_column_and_NaN_in_C_is_ignored_with_beta_zero()
    {
        Assert.SkipUnless(Avx2.IsSupported && Fma.IsSupported, "The kernel needs AVX2 and FMA.");
        const int m = 21, n = 10, k = 40;
        var random = new Random(7);
        float[] a = Reference.Uniform<float>(random, k * m, 0.5, 1);  // A stored K x M, positive
        float[] b = Reference.Uniform<float>(random, k * n, 0.5, 1);  // B stored K x N, positive
        a[(30 * m) + 4] = float.NaN;                                  // A[30, 4]: row 4 of C becomes NaN
        a[(3 * m) + 18] = float.PositiveInfinity;                     // A[3, 18] (the second, partial block): row 18 of C becomes +Inf
        b[(20 * n) + 7] = float.NegativeInfinity;                     // B[20, 7] (second pass): column 7 of C becomes -Inf
        float[] c = Enumerable.Repeat(float.NaN, m * n).ToArray();
        fixed (float* pa = a, pb = b, pc = c)
        {
            TransposedNarrowGemm256.Multiply(pa, m, pb, n, pc, n, m, n, k, 0f);
        }

        NarrowProductChecks.AssertSpecialValues(c, m, n, nanRow: 4, infinityRow: 18, negativeInfinityColumn: 7);
    }

    [Theory]
    [InlineData(21, 10, 13)] // a partial block of 5 rows: masked reads of A's last row, 5 rows of C stored
    [InlineData(3, 4, 7)]
    [InlineData(16, 16, 9)]
    public void Reads_and_writes_stop_at_each_matrix_end_against_an_inaccessible_page(int m, int n, int k)
    {
        Assert.SkipUnless(Avx2.IsSupported && Fma.IsSupported && ProtectedPages.Available, "The kernel needs AVX2 and FMA; the pages need mmap.");
        var random = new Random(m + n + k);
        float[] a = Reference.Uniform<float>(random, k * m, -1, 1);
        float[] b = Reference.Uniform<float>(random, k * n, -1, 1);
        NarrowProductChecks.AssertAtPageEnds(
            a, b, m, n, k, (pa, pb, pc) => TransposedNarrowGemm256.Multiply(pa, m, pb, n, pc, n, m, n, k, 0f),
            (i, j) => NarrowProductChecks.Terms(k, p => a[(p * m) + i] * (double)b[(p * n) + j]), $"{m} x {n} x {k} at page ends");
    }

    /// <summary>
    /// C = A^T B + beta C with every operand a strided view (a gap of <see cref="Pitch"/> after each row) and C followed by
    /// a guard: the gaps and the guard must come back unchanged.
    /// </summary>
    private static void Check(int m, int n, int k, float beta, bool throughGemm)
    {
        var random = new Random((m * 131) + (n * 17) + k);
        float[] a = Reference.Uniform<float>(random, k * (m + Pitch), -1, 1);
        float[] b = Reference.Uniform<float>(random, k * (n + Pitch), -1, 1);
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
                new ReadOnlySpan2D<float>(a, 0, k, m, Pitch), Transpose.Transposed, new ReadOnlySpan2D<float>(b, 0, k, n, Pitch), Transpose.None,
                new Span2D<float>(c, 0, m, n, Pitch), beta, new GemmWorkspace<float>());
        }
        else
        {
            fixed (float* pa = a, pb = b, pc = c)
            {
                TransposedNarrowGemm256.Multiply(pa, m + Pitch, pb, n + Pitch, pc, n + Pitch, m, n, k, beta);
            }
        }

        string context = $"{m} x {n} x {k}, beta {beta}{(throughGemm ? ", through Gemm" : "")}";
        NarrowProductChecks.AssertProduct(c, original, m, n, k, Pitch, (i, j) =>
        {
            (double sum, double magnitude) = NarrowProductChecks.Terms(k, p => a[(p * (m + Pitch)) + i] * (double)b[(p * (n + Pitch)) + j]);

            double added = beta != 0f ? beta * (double)original[(i * (n + Pitch)) + j] : 0;
            return (sum + added, magnitude + Math.Abs(added));
        }, context);
    }
}
