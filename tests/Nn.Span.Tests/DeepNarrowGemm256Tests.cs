using System.Runtime.Intrinsics.X86;

namespace Nn.Span.Tests;

/// <summary>
/// The AVX2 dot-product kernel for a narrow C (<see cref="DeepNarrowGemm256"/>), called directly for every column count
/// 1..16 and through <see cref="Gemm"/>, against a triple loop accumulated in double. Tolerance as for the other
/// products: an entry is a sum of K products, whose float rounding error is bounded by about K eps sum |a_ip b_pj|
/// (eps = 2^-24, whatever the order of the additions); the tests allow 2 (K + 2) eps times that magnitude (plus
/// |beta C| or |bias|).
/// </summary>
public sealed unsafe class DeepNarrowGemm256Tests
{
    private const int Pitch = 3;
    private const int Guard = 40;

    public static TheoryData<int, int> Shapes()
    {
        // Rows: one (an unpaired row), a pair, a pair and a row, and longer odd heights; every column count 1..5.
        var data = new TheoryData<int, int>();
        foreach (int m in new[] { 1, 2, 3, 7, 16, 33 })
        {
            for (int n = 1; n <= DeepNarrowGemm256.MaxColumns; n++)
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
        // Depths: within one vector, a vector and one more, whole vectors with and without a tail, one chunk of B's
        // columns, a chunk and three, two chunks and five (the later chunks add to C).
        int chunk = DeepNarrowGemm256.ChunkDepth(n);
        foreach (int k in new[] { 1, 7, 8, 9, 64, 100, 271, chunk, chunk + 3, (2 * chunk) + 5 })
        {
            Check(m, n, k, 0f, withBias: false, throughGemm: false);
            Check(m, n, k, 0.5f, withBias: false, throughGemm: false);
            Check(m, n, k, 0f, withBias: true, throughGemm: false);
        }
    }

    [Theory]
    [InlineData(256, 5, 512)]
    [InlineData(64, 5, 128)]
    [InlineData(40, 3, 300)]
    [InlineData(33, 4, 1300)] // two chunks of B's columns (1280 depths each for 4 columns)
    [InlineData(2, 1, 1000)]
    public void The_public_product_matches_the_double_triple_loop(int m, int n, int k)
    {
        // Takes the kernel with AVX2 and FMA without AVX-512, and the other paths elsewhere.
        Assert.True(DeepNarrowGemm256.Suits(n, k));
        Check(m, n, k, 0f, withBias: false, throughGemm: true);
        Check(m, n, k, -1.5f, withBias: false, throughGemm: true);
    }

    [Fact]
    public void The_form_takes_up_to_five_columns_from_a_depth_of_128()
    {
        Assert.True(DeepNarrowGemm256.Suits(1, 128));
        Assert.True(DeepNarrowGemm256.Suits(5, 128));
        Assert.True(DeepNarrowGemm256.Suits(5, 100_000));
        Assert.False(DeepNarrowGemm256.Suits(5, 127));
        Assert.False(DeepNarrowGemm256.Suits(6, 512));
        Assert.False(DeepNarrowGemm256.Suits(10, 512));
    }

    [Fact]
    public void NaN_and_infinity_in_A_or_B_propagate_to_their_row_or_column_and_NaN_in_C_is_ignored_with_beta_zero()
    {
        Assert.SkipUnless(Avx2.IsSupported && Fma.IsSupported, "The kernel needs AVX2 and FMA.");
        const int m = 9, n = 5, k = 1100;
        var random = new Random(6);
        float[] a = Reference.Uniform<float>(random, m * k, 0.5, 1);  // positive
        float[] b = Reference.Uniform<float>(random, k * n, 0.5, 1);  // B stored K x N, positive
        a[(4 * k) + 1050] = float.NaN;                                // A[4, 1050] (second chunk): row 4 of C becomes NaN
        a[(7 * k) + 3] = float.PositiveInfinity;                      // A[7, 3]: row 7 of C becomes +Inf
        b[(300 * n) + 3] = float.NegativeInfinity;                    // B[300, 3]: column 3 of C becomes -Inf
        float[] c = Enumerable.Repeat(float.NaN, m * n).ToArray();
        fixed (float* pa = a, pb = b, pc = c)
        {
            DeepNarrowGemm256.Multiply(pa, k, pb, n, pc, n, m, n, k, 0f, null);
        }

        NarrowProductChecks.AssertSpecialValues(c, m, n, nanRow: 4, infinityRow: 7, negativeInfinityColumn: 3);
    }

    [Theory]
    [InlineData(7, 5, 203)] // a vector tail of 3 on every row of A and in the last rows of B
    [InlineData(4, 3, 130)]
    [InlineData(5, 5, 1025)] // a second chunk of one depth
    public void Reads_and_writes_stop_at_each_matrix_end_against_an_inaccessible_page(int m, int n, int k)
    {
        Assert.SkipUnless(Avx2.IsSupported && Fma.IsSupported && ProtectedPages.Available, "The kernel needs AVX2 and FMA; the pages need mmap.");
        var random = new Random(m + n + k);
        float[] a = Reference.Uniform<float>(random, m * k, -1, 1);
        float[] b = Reference.Uniform<float>(random, k * n, -1, 1);
        NarrowProductChecks.AssertAtPageEnds(
            a, b, m, n, k, (pa, pb, pc) => DeepNarrowGemm256.Multiply(pa, k, pb, n, pc, n, m, n, k, 0f, null),
            (i, j) => NarrowProductChecks.Terms(k, p => a[(i * k) + p] * (double)b[(p * n) + j]), $"{m} x {n} x {k} at page ends");
    }

    /// <summary>
    /// C = A B + beta C (or + bias) with every operand a strided view (a gap of <see cref="Pitch"/> after each row) and
    /// C followed by a guard: the gaps and the guard must come back unchanged.
    /// </summary>
    private static void Check(int m, int n, int k, float beta, bool withBias, bool throughGemm)
    {
        var random = new Random((m * 131) + (n * 17) + k);
        float[] a = Reference.Uniform<float>(random, m * (k + Pitch), -1, 1);
        float[] b = Reference.Uniform<float>(random, k * (n + Pitch), -1, 1);
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
                new ReadOnlySpan2D<float>(a, 0, m, k, Pitch), Transpose.None, new ReadOnlySpan2D<float>(b, 0, k, n, Pitch), Transpose.None,
                new Span2D<float>(c, 0, m, n, Pitch), beta, new GemmWorkspace<float>());
        }
        else
        {
            fixed (float* pa = a, pb = b, pc = c, pBias = bias)
            {
                DeepNarrowGemm256.Multiply(pa, k + Pitch, pb, n + Pitch, pc, n + Pitch, m, n, k, beta, withBias ? pBias : null);
            }
        }

        string context = $"{m} x {n} x {k}, beta {beta}{(withBias ? ", bias" : "")}{(throughGemm ? ", through Gemm" : "")}";
        NarrowProductChecks.AssertProduct(c, original, m, n, k, Pitch, (i, j) =>
        {
            (double sum, double magnitude) = NarrowProductChecks.Terms(k, p => a[(i * (k + Pitch)) + p] * (double)b[(p * (n + Pitch)) + j]);

            double added = beta != 0f ? beta * (double)original[(i * (n + Pitch)) + j] : withBias ? bias[j] : 0;
            return (sum + added, magnitude + Math.Abs(added));
        }, context);
    }
}
