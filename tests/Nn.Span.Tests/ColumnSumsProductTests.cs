using static Nn.Span.Tests.Reference;

namespace Nn.Span.Tests;

/// <summary>
/// A weight gradient and its bias gradient in one product (<see cref="MatrixProduct.MultiplyTransposedWithColumnSums{T}"/>):
/// the first M rows of the output are A^T B and its last row the column sums of B, computed on the packed kernel as
/// [A 1]^T B with the row of ones packed beside A^T's panels. Against sums in double, on every route.
/// </summary>
/// <remarks>
/// Tolerance: an entry of A^T B is a sum of K products, a column sum a sum of K elements; in any order of summation,
/// with or without fused multiply-adds, the rounding error is at most about (K + 2) u times the sum of the terms'
/// magnitudes (u = 2^-24 for float, 2^-53 for double); the tests allow twice that.
/// </remarks>
public sealed unsafe class ColumnSumsProductTests
{
    private const int Pitch = 3;
    private const int Guard = 40;

    public static TheoryData<int, int, int> Shapes() => new()
    {
        { 11, 40, 30 },    // M + 1 = 12: the row of ones completes a full panel, which is never read from A in place
        { 12, 33, 17 },    // 13 rows: two panels of 8, the ones in the second
        { 7, 1, 5 },       // 8 rows: one narrow panel; one column
        { 8, 16, 64 },     // 9 rows: one partial panel of 12
        { 23, 17, 3 },     // 24 rows: two full panels, the first read in place where A^T panels are
        { 119, 20, 40 },   // 120 rows: the ones row ends the first M block
        { 120, 20, 40 },   // 121 rows: the ones row alone in the second M block
        { 63, 1000, 9 },   // N = 1000: the last B panel 8 columns wide
        { 100, 70, 600 },  // two K blocks: each sum in two parts
        { 1024, 48, 512 }, // the wide step's 1025 rows: M blocks of 120 and a last one of 65
        { 1, 3, 2 },       // tiny: MatrixProduct's direct routes, then ColumnSums
        { 5, 10, 20 },
        { 64, 10, 64 },    // the digits step's dW2 shape
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Packed_product_with_a_row_of_ones_ends_in_the_column_sums(int m, int n, int k)
    {
        Assert.SkipUnless(GemmBlocking.HasPackedKernel, "The packed kernels need AVX-512, or AVX2 with FMA.");

        // Both ways of reading full A^T panels, whatever the processor running the test: in place (as chosen on AMD)
        // and packed (as on Intel).
        foreach (bool inPlace in new[] { false, true })
        {
            Check<float>(m, n, k, seed: m + (31 * n), (a, b, c) => RunPacked(a, b, c, inPlace));
            Check<double>(m, n, k, seed: (17 * m) + n, (a, b, c) => RunPacked(a, b, c, inPlace));
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Weight_and_bias_gradients_in_one_call_match_the_double_reference_on_every_route(int m, int n, int k)
    {
        // A packing buffer for every kernel (the packed product, or the direct and narrow forms, then the sums), and
        // none (the direct form, then the sums).
        foreach (bool withPacking in new[] { true, false })
        {
            Check<float>(m, n, k, seed: m + n + k, (a, b, c) => RunMatrixProduct(a, b, c, withPacking));
            Check<double>(m, n, k, seed: m + (3 * n) + k, (a, b, c) => RunMatrixProduct(a, b, c, withPacking));
        }
    }

    [Theory]
    [InlineData(11, 40, 20)]  // 12 rows: one full panel, its last row the ones
    [InlineData(23, 33, 30)]  // 24 rows: a full panel of A^T read in place, then the one that holds the ones
    [InlineData(119, 17, 9)]  // 120 rows: ten panels, nine read in place
    [InlineData(12, 5, 7)]    // 13 rows: narrow panels
    public void The_row_of_ones_is_never_read_from_a_against_an_inaccessible_page(int m, int n, int k)
    {
        Assert.SkipUnless(GemmBlocking.HasPackedKernel, "The packed kernels need AVX-512, or AVX2 with FMA.");
        Assert.SkipUnless(ProtectedPages.Available, "Needs mmap and mprotect.");

        // A (K x M, no pitch: its rows 4 M bytes apart, read in place when full A^T panels are) ends flush against an
        // inaccessible page: reading the element after A's last row, where a row M would be, faults at once.
        var random = new Random(m + k);
        float[] values = Fill<float>(random, k * m);
        float[] b = Fill<float>(random, k * n);
        using var pages = new ProtectedPages((long)k * m * sizeof(float));
        Span<float> a = pages.Place<float>(values, atEnd: true);
        foreach (bool inPlace in new[] { true, false })
        {
            float[] c = new float[(m + 1) * n];
            fixed (float* aPointer = a)
            {
                RunPacked(new ReadOnlySpan2D<float>(aPointer, k, m, 0), new ReadOnlySpan2D<float>(b, k, n), new Span2D<float>(c, m + 1, n), inPlace);
            }

            for (int j = 0; j < n; j++)
            {
                double sum = 0, magnitude = 0;
                for (int p = 0; p < k; p++)
                {
                    sum += b[(p * n) + j];
                    magnitude += Math.Abs(b[(p * n) + j]);
                }

                Assert.True(Math.Abs(c[(m * n) + j] - sum) <= 2 * (k + 2) * UnitRoundoff<float>() * magnitude, $"{m}x{n}x{k}: sum of column {j} is {c[(m * n) + j]}, expected {sum}");
            }
        }
    }

    private static void RunPacked<T>(ReadOnlySpan2D<T> a, ReadOnlySpan2D<T> b, Span2D<T> c, bool inPlace)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // NaN in the buffer beforehand, as a pooled buffer may hold: a lane of a panel left unwritten shows in C.
        var packing = new AlignedBuffer<T>(GemmBlocking.PackingLength<T>(a.Height, b.Width));
        packing.Span.Fill(T.NaN);
        fixed (T* panels = packing.Span)
        {
            PackedGemm.Multiply(a, Operand.Transposed, b, Operand.AsIs, c, T.Zero, panels, packing.Length, default, inPlace, rowPanelsInPlace: true, lastRowOfOnes: true);
        }
    }

    private static void RunMatrixProduct<T>(ReadOnlySpan2D<T> a, ReadOnlySpan2D<T> b, Span2D<T> c, bool withPacking)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var packing = new AlignedBuffer<T>(withPacking ? GemmBlocking.PackingLength<T>(a.Height, b.Width) : 0);
        packing.Span.Fill(T.NaN);
        MatrixProduct.MultiplyTransposedWithColumnSums(a, b, c, packing.Span);
    }

    /// <summary>
    /// Runs the product on strided views (A K x M, B K x N, the output (M + 1) x N, each with a gap after every row)
    /// and checks its M rows of A^T B, its row of column sums, and that the gaps and the elements after the output keep
    /// their sentinel.
    /// </summary>
    private static void Check<T>(int m, int n, int k, int seed, ProductRun<T> run)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        T[] a = Fill<T>(random, k * (m + Pitch));
        T[] b = Fill<T>(random, k * (n + Pitch));
        T[] c = Enumerable.Repeat(Of<T>(Sentinel), ((m + 1) * (n + Pitch)) + Guard).ToArray();
        var aView = new ReadOnlySpan2D<T>(a, 0, k, m, Pitch);
        var bView = new ReadOnlySpan2D<T>(b, 0, k, n, Pitch);
        run(aView, bView, new Span2D<T>(c, 0, m + 1, n, Pitch));

        double bound = 2 * (k + 2) * UnitRoundoff<T>();
        for (int j = 0; j < n; j++)
        {
            for (int i = 0; i <= m; i++)
            {
                double sum = 0, magnitude = 0;
                for (int p = 0; p < k; p++)
                {
                    // Row M of [A 1]^T is all ones.
                    double term = (i < m ? D(aView[p, i]) : 1.0) * D(bView[p, j]);
                    sum += term;
                    magnitude += Math.Abs(term);
                }

                double actual = D(c[(i * (n + Pitch)) + j]);
                string what = i < m ? $"(A^T B)[{i}, {j}]" : $"the sum of column {j}";
                Assert.True(Math.Abs(actual - sum) <= bound * magnitude, $"{typeof(T).Name} {m}x{n}x{k}: {what} is {actual}, expected {sum}");
            }
        }

        for (int i = 0; i <= m; i++)
        {
            for (int g = 0; g < Pitch; g++)
            {
                Assert.Equal(Sentinel, D(c[(i * (n + Pitch)) + n + g]));
            }
        }

        for (int g = (m + 1) * (n + Pitch); g < c.Length; g++)
        {
            Assert.Equal(Sentinel, D(c[g]));
        }
    }

    private static T[] Fill<T>(Random random, int length)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Enumerable.Range(0, length).Select(_ => T.CreateChecked((random.NextDouble() * 2) - 1)).ToArray();

    private delegate void ProductRun<T>(ReadOnlySpan2D<T> a, ReadOnlySpan2D<T> b, Span2D<T> c)
        where T : unmanaged, IFloatingPointIeee754<T>;
}
