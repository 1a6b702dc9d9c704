using System.Runtime.Intrinsics.X86;

namespace Nn.Span.Tests;

/// <summary>
/// The kernel of small, narrow plain products that takes two steps of depth per vector (<see cref="DepthPairGemm"/>:
/// 9 to 24 rows, at most 8 columns), called directly and through <see cref="Gemm"/>, against a triple loop accumulated in
/// double. Tolerance as for the other products: an entry is a sum of K products, whose float rounding error is bounded
/// by about K eps sum |a_ip b_pj| (eps = 2^-24; splitting the sum into its even and odd steps, added at the end, does not
/// change the bound); the tests allow 2 (K + 2) eps times that magnitude.
/// </summary>
public sealed unsafe class DepthPairGemmTests
{
    private const int Pitch = 3;
    private const int Guard = 40;
    private const string NeedsAvx512 = "The kernel needs AVX-512.";

    /// <summary>Depths: one step alone, one pair, a pair and a step, and longer odd and even ones up to the direct form's 63.</summary>
    private static readonly int[] Depths = [1, 2, 3, 4, 5, 10, 16, 31, 32, 33, 63];

    /// <summary>Every row count the kernel takes (three to six quarters, the last one overlapping or not) with every column count.</summary>
    public static TheoryData<int, int> Shapes()
    {
        var data = new TheoryData<int, int>();
        for (int m = DepthPairGemm.LeastRows; m <= DepthPairGemm.MostRows; m++)
        {
            for (int n = 1; n <= DepthPairGemm.MostColumns; n++)
            {
                data.Add(m, n);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void The_kernel_matches_the_double_triple_loop_on_strided_views(int m, int n)
    {
        Assert.SkipUnless(Avx512F.IsSupported, NeedsAvx512);
        foreach (int k in Depths)
        {
            Check(m, n, k, throughGemm: false);
        }
    }

    [Theory]
    [InlineData(20, 10, 5)] // seed: X W1
    [InlineData(9, 1, 1)]
    [InlineData(13, 7, 3)]
    [InlineData(17, 33, 8)]
    [InlineData(24, 63, 6)]
    [InlineData(21, 2, 4)]
    public void The_public_product_matches_the_double_triple_loop(int m, int k, int n)
    {
        // Takes the kernel with AVX-512 and the other paths in the fallback configurations.
        Check(m, n, k, throughGemm: true);
    }

    [Fact]
    public void The_kernel_takes_9_to_24_rows_of_1_to_8_columns_with_avx512()
    {
        bool avx512 = Avx512F.IsSupported;
        Assert.Equal(avx512, DepthPairGemm.Suits(9, 1));
        Assert.Equal(avx512, DepthPairGemm.Suits(20, 5));
        Assert.Equal(avx512, DepthPairGemm.Suits(24, 8));
        Assert.False(DepthPairGemm.Suits(8, 5));
        Assert.False(DepthPairGemm.Suits(25, 5));
        Assert.False(DepthPairGemm.Suits(20, 9));
        Assert.False(DepthPairGemm.Suits(20, 0));
    }

    [Theory]
    [InlineData(9, 10)]
    [InlineData(20, 11)] // the +Inf at the odd last step
    public void NaN_and_infinity_in_A_or_B_propagate_to_their_row_or_column(int m, int k)
    {
        Assert.SkipUnless(Avx512F.IsSupported, NeedsAvx512);
        const int n = 5;
        var random = new Random(k);
        float[] a = Reference.Uniform<float>(random, m * k, 0.5, 1);  // positive
        float[] b = Reference.Uniform<float>(random, k * n, 0.5, 1);  // positive
        a[(4 * k) + 1] = float.NaN;                                   // A[4, 1], an odd step: row 4 of C becomes NaN
        a[(7 * k) + k - 1] = float.PositiveInfinity;                  // A[7, K - 1]: row 7 of C becomes +Inf (never Inf x 0)
        b[(2 * n) + 3] = float.NegativeInfinity;                      // B[2, 3], an even step: column 3 of C becomes -Inf
        float[] c = Enumerable.Repeat(float.NaN, m * n).ToArray();
        fixed (float* pa = a, pb = b, pc = c)
        {
            DepthPairGemm.Multiply(pa, k, pb, n, pc, n, m, n, k);
        }

        NarrowProductChecks.AssertSpecialValues(c, m, n, nanRow: 4, infinityRow: 7, negativeInfinityColumn: 3);
    }

    [Theory]
    [InlineData(20, 5, 10)]
    [InlineData(9, 1, 1)]
    [InlineData(24, 8, 7)]
    [InlineData(17, 3, 2)]
    public void Operands_flush_against_inaccessible_pages_are_read_and_written_within_their_ends(int m, int n, int k)
    {
        // A's last pair of its last row, B's last row and C's last row all end at the page end: a lane read or written
        // one element too far faults.
        Assert.SkipUnless(Avx512F.IsSupported, NeedsAvx512);
        Assert.SkipUnless(ProtectedPages.Available, "Needs mmap and mprotect.");
        var random = new Random((m * 31) + (n * 7) + k);
        float[] a = Reference.Uniform<float>(random, m * k, -1, 1);
        float[] b = Reference.Uniform<float>(random, k * n, -1, 1);
        NarrowProductChecks.AssertAtPageEnds(
            a, b, m, n, k, (pa, pb, pc) => DepthPairGemm.Multiply(pa, k, pb, n, pc, n, m, n, k),
            (i, j) => NarrowProductChecks.Terms(k, p => a[(i * k) + p] * (double)b[(p * n) + j]),
            $"{m} x {k} x {n} at page ends");
    }

    /// <summary>
    /// C = A B with every operand a strided view (a gap of <see cref="Pitch"/> after each row), C holding NaN before
    /// (beta = 0 never reads it) and followed by a guard: the gaps and the guard must come back unchanged.
    /// </summary>
    private static void Check(int m, int n, int k, bool throughGemm)
    {
        var random = new Random((m * 131) + (n * 17) + k);
        float[] a = Reference.Uniform<float>(random, m * (k + Pitch), -1, 1);
        float[] b = Reference.Uniform<float>(random, k * (n + Pitch), -1, 1);
        float[] c = Reference.Uniform<float>(random, (m * (n + Pitch)) + Guard, -1, 1);
        for (int i = 0; i < m; i++)
        {
            c[(i * (n + Pitch)) + (i % n)] = float.NaN;
        }

        float[] original = (float[])c.Clone();
        if (throughGemm)
        {
            Gemm.Multiply<float>(
                new ReadOnlySpan2D<float>(a, 0, m, k, Pitch), Transpose.None, new ReadOnlySpan2D<float>(b, 0, k, n, Pitch), Transpose.None,
                new Span2D<float>(c, 0, m, n, Pitch), 0f, new GemmWorkspace<float>());
        }
        else
        {
            fixed (float* pa = a, pb = b, pc = c)
            {
                DepthPairGemm.Multiply(pa, k + Pitch, pb, n + Pitch, pc, n + Pitch, m, n, k);
            }
        }

        string context = $"{m} x {k} x {n}{(throughGemm ? ", through Gemm" : "")}";
        NarrowProductChecks.AssertProduct(
            c, original, m, n, k, Pitch, (i, j) => NarrowProductChecks.Terms(k, p => a[(i * (k + Pitch)) + p] * (double)b[(p * (n + Pitch)) + j]), context);
    }
}
