using System.Runtime.Intrinsics.X86;

namespace Nn.Span.Tests;

/// <summary>
/// The single-row kernel for C = a B^T with K &lt;= 16 (dot products summed by a shuffle tree), called directly with
/// each epilogue and through <see cref="Gemm"/>, against sums in double. Tolerance as for the other products: an
/// entry is a sum of K products, whose float rounding error is bounded by about K eps sum |a_p b_jp| (eps = 2^-24);
/// the tests allow 2 (K + 2) eps times that magnitude (plus |beta C|).
/// </summary>
public sealed unsafe class RowDotProductsTests
{
    private const int Pitch = 3;
    private const int Guard = 40;

    public static TheoryData<int> Widths() => [1, 2, 3, 7, 15, 16, 17, 31, 32, 33, 47, 100];

    [Theory]
    [MemberData(nameof(Widths))]
    public void The_kernel_matches_the_double_dot_products_at_every_depth(int n)
    {
        Assert.SkipUnless(Avx512F.IsSupported, "The kernel needs AVX-512.");
        for (int k = 1; k <= 16; k++)
        {
            Assert.True(RowDotProducts.Suits(1, k, Operand.Transposed, 1));
            Check(n, k, 0f, throughGemm: false);
            Check(n, k, -0.5f, throughGemm: false);
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void The_public_product_matches_the_double_dot_products(int n)
    {
        // Takes the kernel with AVX-512 and the other paths in the fallback configurations.
        foreach (int k in new[] { 1, 10, 16 })
        {
            Check(n, k, 0f, throughGemm: true);
            Check(n, k, 1.5f, throughGemm: true);
        }
    }

    [Fact]
    public void The_form_takes_only_a_single_contiguous_row_and_a_transposed_B_of_at_most_16_columns()
    {
        bool avx512 = Avx512F.IsSupported;
        Assert.Equal(avx512, RowDotProducts.Suits(1, 16, Operand.Transposed, 1));
        Assert.False(RowDotProducts.Suits(2, 10, Operand.Transposed, 1));
        Assert.False(RowDotProducts.Suits(1, 17, Operand.Transposed, 1));
        Assert.False(RowDotProducts.Suits(1, 10, Operand.AsIs, 1));
        Assert.False(RowDotProducts.Suits(1, 10, Operand.Transposed, 7));
    }

    [Theory]
    [InlineData((int)ProductEpilogue.AddBias)]
    [InlineData((int)ProductEpilogue.AddBiasThenSigmoid)]
    [InlineData((int)ProductEpilogue.TimesSigmoidDerivative)]
    public void Each_epilogue_is_applied_to_every_column(int epilogueKind)
    {
        var kind = (ProductEpilogue)epilogueKind;
        Assert.SkipUnless(Avx512F.IsSupported, "The kernel needs AVX-512.");
        var random = new Random(41 + (int)kind);
        foreach (int n in new[] { 5, 16, 32, 37 })
        {
            const int k = 10;
            float[] a = Reference.Uniform<float>(random, k, -1, 1);
            float[] b = Reference.Uniform<float>(random, n * k, -1, 1);
            float[] bias = Reference.Uniform<float>(random, n, -1, 1);
            float[] sigmoid = Reference.Uniform<float>(random, n, 0.05, 0.95);
            float[] c = Enumerable.Repeat(float.NaN, n + Guard).ToArray();
            fixed (float* pa = a, pb = b, pc = c, pBias = bias, pSigmoid = sigmoid)
            {
                var epilogue = new EpilogueArguments(kind, pBias, pSigmoid, n);
                switch (kind)
                {
                    case ProductEpilogue.AddBias:
                        RowDotProducts.Multiply<AddBiasEpilogue>(k, pa, pb, k, pc, n, 0f, epilogue);
                        break;
                    case ProductEpilogue.AddBiasThenSigmoid:
                        RowDotProducts.Multiply<BiasSigmoidEpilogue>(k, pa, pb, k, pc, n, 0f, epilogue);
                        break;
                    default:
                        RowDotProducts.Multiply<SigmoidSlopeEpilogue>(k, pa, pb, k, pc, n, 0f, epilogue);
                        break;
                }
            }

            for (int j = 0; j < n; j++)
            {
                double sum = 0, magnitude = 0;
                for (int p = 0; p < k; p++)
                {
                    sum += a[p] * (double)b[(j * k) + p];
                    magnitude += Math.Abs(a[p] * (double)b[(j * k) + p]);
                }

                // The epilogue's own rounding: a few ulp of its result on top of the product's bound.
                double productError = 2 * (k + 2) * magnitude / (1 << 24);
                (double expected, double bound) = kind switch
                {
                    ProductEpilogue.AddBias => (sum + bias[j], productError + (4.0 / (1 << 24) * Math.Abs(sum + bias[j]))),
                    ProductEpilogue.AddBiasThenSigmoid => (1 / (1 + Math.Exp(-(sum + bias[j]))), (productError / 4) + (4.0 / (1 << 24))),
                    _ => (sum * sigmoid[j] * (1 - sigmoid[j]), (productError / 4) + (4.0 / (1 << 24) * Math.Abs(sum))),
                };
                Assert.True(Math.Abs(c[j] - expected) <= bound, $"{kind}, N = {n}: C[{j}] = {c[j]}, expected {expected} (bound {bound})");
            }

            Assert.All(c.Skip(n), value => Assert.True(float.IsNaN(value), "the guard after C was written"));
        }
    }

    [Fact]
    public void NaN_and_infinity_in_a_or_B_propagate_to_their_entries()
    {
        Assert.SkipUnless(Avx512F.IsSupported, "The kernel needs AVX-512.");
        const int n = 37, k = 9;
        var random = new Random(43);
        float[] b = Reference.Uniform<float>(random, n * k, 0.5, 1);  // positive
        b[(20 * k) + 4] = float.NaN;                                   // row 20 of B: C[0, 20] becomes NaN
        b[(35 * k) + 2] = float.PositiveInfinity;                     // row 35 of B: C[0, 35] becomes +Inf
        float[] a = Reference.Uniform<float>(random, k, 0.5, 1);
        float[] c = new float[n];
        fixed (float* pa = a, pb = b, pc = c)
        {
            RowDotProducts.Multiply<NoEpilogue>(k, pa, pb, k, pc, n, 0f, default);
        }

        for (int j = 0; j < n; j++)
        {
            Assert.True(j == 20 ? float.IsNaN(c[j]) : j == 35 ? float.IsPositiveInfinity(c[j]) : float.IsFinite(c[j]), $"C[0, {j}] = {c[j]}");
        }

        a[3] = float.NaN;
        fixed (float* pa = a, pb = b, pc = c)
        {
            RowDotProducts.Multiply<NoEpilogue>(k, pa, pb, k, pc, n, 0f, default);
        }

        Assert.All(c, value => Assert.True(float.IsNaN(value)));
    }

    /// <summary>
    /// c (one row) = a B^T + beta c with B a strided view (a gap of <see cref="Pitch"/> after each row) and c followed by
    /// a guard: the guard must come back unchanged, and with beta = 0 the NaN left in c must be ignored.
    /// </summary>
    private static void Check(int n, int k, float beta, bool throughGemm)
    {
        var random = new Random((n * 131) + k);
        float[] a = Reference.Uniform<float>(random, k, -1, 1);
        float[] b = Reference.Uniform<float>(random, n * (k + Pitch), -1, 1);
        float[] c = Reference.Uniform<float>(random, n + Guard, -1, 1);
        if (beta == 0f)
        {
            c.AsSpan(0, n).Fill(float.NaN);
        }

        float[] original = (float[])c.Clone();
        if (throughGemm)
        {
            Gemm.Multiply<float>(
                new ReadOnlySpan2D<float>(a, 1, k), Transpose.None, new ReadOnlySpan2D<float>(b, 0, n, k, Pitch), Transpose.Transposed,
                new Span2D<float>(c, 0, 1, n, 0), beta, new GemmWorkspace<float>());
        }
        else
        {
            fixed (float* pa = a, pb = b, pc = c)
            {
                if (beta == 0f)
                {
                    RowDotProducts.Multiply<NoEpilogue>(k, pa, pb, k + Pitch, pc, n, beta, default);
                }
                else
                {
                    RowDotProducts.Multiply<ScaledCEpilogue>(k, pa, pb, k + Pitch, pc, n, beta, default);
                }
            }
        }

        string context = $"1 x {n} x {k}, beta {beta}{(throughGemm ? ", through Gemm" : "")}";
        NarrowProductChecks.AssertProduct(c, original, 1, n, k, 0, (i, j) =>
        {
            double sum = 0, magnitude = 0;
            for (int p = 0; p < k; p++)
            {
                double term = a[p] * (double)b[(j * (k + Pitch)) + p];
                sum += term;
                magnitude += Math.Abs(term);
            }

            double added = beta != 0f ? beta * (double)original[j] : 0;
            return (sum + added, magnitude + Math.Abs(added));
        }, context);
    }
}
