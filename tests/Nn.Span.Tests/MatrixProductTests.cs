using static Nn.Span.Tests.Reference;

namespace Nn.Span.Tests;

/// <summary>
/// The internal MatrixProduct (C = op(A) op(B) + beta C) against a triple loop in double, through each of its routes:
/// a full packing buffer (the unpacked AVX-512 float kernel for small and thin products, the packed kernel
/// otherwise), an empty packing span, and no packing (the direct form). Also ColumnSums, and the product epilogues.
/// </summary>
/// <remarks>
/// Tolerance: an entry of C is a sum of K products plus beta C; in any order of summation, with or without fused
/// multiply-adds, its rounding error is at most about (K + 2) u (sum_p |a_ip b_pj| + |beta c_ij|), with u = 2^-24
/// (float) or 2^-53 (double); the tests allow twice that.
/// </remarks>
public sealed class MatrixProductTests
{
    private const int Guard = 11;
    private static readonly int[] Sizes = [0, 1, 2, 3, 7, 13, 16, 17, 31, 33, 64, 65];

    private enum Route
    {
        /// <summary>A packing buffer large enough for every kernel.</summary>
        Packing,

        /// <summary>An empty packing span: the float kernel that needs no scratch, else the direct form.</summary>
        EmptyPacking,

        /// <summary>The overload without packing: the direct form.</summary>
        NoPacking,

        /// <summary>
        /// Exactly K N elements of packing room, flush against an inaccessible page where the platform makes one: the
        /// copy of op(B) for a narrow C times B^T fills it to its last element, and one element further faults.
        /// </summary>
        CopyRoomAtPageEnd,
    }

    public static TheoryData<int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int>();
        var random = new Random(401);
        for (int i = 0; i < 36; i++)
        {
            data.Add(Sizes[random.Next(Sizes.Length)], Sizes[random.Next(Sizes.Length)], Sizes[random.Next(Sizes.Length)]);
        }

        // Every size once as M, N and K against odd partners; an empty dimension each; the largest grid point; and
        // float shapes too large for the unpacked kernel (more than 32 columns, 8 rows and 64^3 multiply-adds).
        foreach (int size in Sizes)
        {
            data.Add(size, 13, 7);
            data.Add(3, size, 17);
            data.Add(17, 5, size);
        }

        data.Add(65, 65, 65);
        data.Add(70, 80, 90);
        data.Add(9, 300, 130);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Product_matches_double_triple_loop_for_every_operand_combination_beta_and_route(int m, int n, int k)
    {
        Check<float>(m, n, k, -0.75f);
        Check<double>(m, n, k, 1.5);
    }

    private static void Check<T>(int m, int n, int k, T nonZeroBeta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random((m * 10007) + (n * 101) + k);
        const int pitchA = 1, pitchB = 3, pitchC = 2;
        foreach (Operand opA in new[] { Operand.AsIs, Operand.Transposed })
        {
            foreach (Operand opB in new[] { Operand.AsIs, Operand.Transposed })
            {
                (int aRows, int aCols) = opA == Operand.AsIs ? (m, k) : (k, m);
                (int bRows, int bCols) = opB == Operand.AsIs ? (k, n) : (n, k);
                T[] a = Uniform<T>(random, (aRows * (aCols + pitchA)) + 1, -1, 1);
                T[] b = Uniform<T>(random, (bRows * (bCols + pitchB)) + 1, -1, 1);
                T[] aBefore = (T[])a.Clone(), bBefore = (T[])b.Clone();
                ReadOnlySpan2D<T> A() => new(a, 1, aRows, aCols, pitchA);
                ReadOnlySpan2D<T> B() => new(b, 1, bRows, bCols, pitchB);
                T[] previous = Uniform<T>(random, m * n, -1, 1);

                // The exact product and the magnitude sum_p |a_ip b_pj| that scales its rounding error.
                double[] product = new double[m * n], magnitude = new double[m * n];
                for (int i = 0; i < m; i++)
                {
                    for (int j = 0; j < n; j++)
                    {
                        for (int p = 0; p < k; p++)
                        {
                            double x = D(opA == Operand.AsIs ? A()[i, p] : A()[p, i]);
                            double y = D(opB == Operand.AsIs ? B()[p, j] : B()[j, p]);
                            product[(i * n) + j] += x * y;
                            magnitude[(i * n) + j] += Math.Abs(x * y);
                        }
                    }
                }

                foreach (T beta in new[] { T.Zero, nonZeroBeta })
                {
                    foreach (Route route in Enum.GetValues<Route>())
                    {
                        // With beta = 0, C starts as NaN: it must be written without being read.
                        T[] storage = GuardedMatrix<T>(m, n, pitchC, Guard);
                        var c = new Span2D<T>(storage, Guard, m, n, pitchC);
                        for (int i = 0; i < m; i++)
                        {
                            for (int j = 0; j < n; j++)
                            {
                                c[i, j] = beta == T.Zero ? T.NaN : previous[(i * n) + j];
                            }
                        }

                        Run(A(), opA, B(), opB, c, beta, route);

                        string context = $"{typeof(T).Name} {m} x {n} x {k}, {opA}/{opB}, beta {beta}, {route}";
                        AssertUnchanged(aBefore, a);
                        AssertUnchanged(bBefore, b);
                        AssertOutsideViewUntouched(storage, m, n, pitchC, Guard);
                        double u = UnitRoundoff<T>();
                        for (int i = 0; i < m; i++)
                        {
                            for (int j = 0; j < n; j++)
                            {
                                double old = beta == T.Zero ? 0 : D(beta) * D(previous[(i * n) + j]);
                                double expected = product[(i * n) + j] + old;
                                double bound = 2 * (k + 2) * u * (magnitude[(i * n) + j] + Math.Abs(old));
                                AssertWithin(expected, D(c[i, j]), bound, $"{context}: C[{i},{j}]");
                            }
                        }
                    }
                }
            }
        }
    }

    private static void Run<T>(ReadOnlySpan2D<T> a, Operand opA, ReadOnlySpan2D<T> b, Operand opB, Span2D<T> c, T beta, Route route)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int k = opA == Operand.AsIs ? a.Width : a.Height;
        switch (route)
        {
            case Route.Packing:
                var packing = new AlignedBuffer<T>(Math.Max(GemmBlocking.PackingLength<T>(k, c.Width), (long)k * c.Width));
                MatrixProduct.Multiply(a, opA, b, opB, c, beta, packing.Span);
                break;
            case Route.EmptyPacking:
                MatrixProduct.Multiply(a, opA, b, opB, c, beta, Span<T>.Empty);
                break;
            case Route.CopyRoomAtPageEnd when ProtectedPages.Available:
                using (var pages = new ProtectedPages((long)k * c.Width * System.Runtime.CompilerServices.Unsafe.SizeOf<T>()))
                {
                    MatrixProduct.Multiply(a, opA, b, opB, c, beta, pages.Place<T>(new T[k * c.Width], atEnd: true));
                }

                break;
            case Route.CopyRoomAtPageEnd:
                MatrixProduct.Multiply(a, opA, b, opB, c, beta, new T[k * c.Width]);
                break;
            default:
                MatrixProduct.Multiply(a, opA, b, opB, c, beta);
                break;
        }
    }

    [Fact]
    public void Nan_and_infinity_in_a_or_b_propagate_to_their_row_and_column()
    {
        // IEEE: a NaN in row i0 of op(A) makes row i0 of C NaN; +Inf in column j1 of op(B), times positive entries of
        // A, makes column j1 +Inf; every other entry stays finite. Shapes for the unpacked and the packed kernels.
        foreach ((int m, int n, int k) in new[] { (19, 37, 23), (70, 80, 90), (1, 1, 1), (9, 5, 300) })
        {
            foreach (Operand opA in new[] { Operand.AsIs, Operand.Transposed })
            {
                foreach (Operand opB in new[] { Operand.AsIs, Operand.Transposed })
                {
                    foreach (Route route in Enum.GetValues<Route>())
                    {
                        Propagation<float>(m, n, k, opA, opB, route);
                        Propagation<double>(m, n, k, opA, opB, route);
                    }
                }
            }
        }
    }

    private static void Propagation<T>(int m, int n, int k, Operand opA, Operand opB, Route route)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        (int aRows, int aCols) = opA == Operand.AsIs ? (m, k) : (k, m);
        (int bRows, int bCols) = opB == Operand.AsIs ? (k, n) : (n, k);
        T[] a = Enumerable.Range(0, aRows * aCols).Select(i => Of<T>((i % 3) + 1)).ToArray();
        T[] b = Enumerable.Range(0, bRows * bCols).Select(i => Of<T>((i % 4) + 1)).ToArray();
        int i0 = m / 2, j1 = n - 1, p0 = k / 3, p1 = k - 1;
        a[opA == Operand.AsIs ? (i0 * aCols) + p0 : (p0 * aCols) + i0] = T.NaN;
        b[opB == Operand.AsIs ? (p1 * bCols) + j1 : (j1 * bCols) + p1] = T.PositiveInfinity;
        T[] c = new T[m * n];
        Run(new ReadOnlySpan2D<T>(a, aRows, aCols), opA, new ReadOnlySpan2D<T>(b, bRows, bCols), opB, new Span2D<T>(c, m, n), T.Zero, route);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                T value = c[(i * n) + j];
                string context = $"{typeof(T).Name} {m} x {n} x {k} {opA}/{opB} {route}: C[{i},{j}] = {value}";
                if (i == i0)
                {
                    Assert.True(T.IsNaN(value), context);
                }
                else if (j == j1)
                {
                    Assert.True(T.IsPositiveInfinity(value), context);
                }
                else
                {
                    Assert.True(T.IsFinite(value), context);
                }
            }
        }
    }

    [Fact]
    public void Nonzero_beta_propagates_nan_already_in_c()
    {
        // beta != 0 reads C: NaN there stays NaN (0 * NaN included), unlike beta = 0 (checked with the products above).
        foreach (Route route in Enum.GetValues<Route>())
        {
            float[] a = Enumerable.Repeat(1f, 12 * 5).ToArray(), b = Enumerable.Repeat(1f, 5 * 40).ToArray();
            float[] c = new float[12 * 40];
            c[7] = float.NaN;
            Run(new ReadOnlySpan2D<float>(a, 12, 5), Operand.AsIs, new ReadOnlySpan2D<float>(b, 5, 40), Operand.AsIs, new Span2D<float>(c, 12, 40), 0.5f, route);
            Assert.True(float.IsNaN(c[7]), $"{route}");
            Assert.Equal(1, c.Count(float.IsNaN));
        }
    }

    [Fact]
    public void Zero_depth_product_clears_c_for_beta_zero_and_scales_it_otherwise()
    {
        foreach (Route route in Enum.GetValues<Route>())
        {
            double[] c = [double.NaN, 2, 3, 4, 99, 5, 6, double.PositiveInfinity];
            var view = new Span2D<double>(c, 0, 2, 3, 1);
            Run(new ReadOnlySpan2D<double>(new double[1], 0, 2, 0, 0), Operand.AsIs, new ReadOnlySpan2D<double>(new double[1], 0, 0, 3, 0), Operand.AsIs, view, 0.0, route);
            Assert.Equal([0, 0, 0, 4, 0, 0, 0, double.PositiveInfinity], c);

            c = [1, 2, 3, 4, 5, 6];
            Run(new ReadOnlySpan2D<double>(new double[1], 0, 0, 2, 0), Operand.Transposed, new ReadOnlySpan2D<double>(new double[1], 0, 3, 0, 0), Operand.Transposed, new Span2D<double>(c, 2, 3), -2.0, route);
            Assert.Equal([-2.0, -4, -6, -8, -10, -12], c);
        }
    }

    // ---- column sums ----

    [Theory]
    [InlineData(0, 5)]
    [InlineData(1, 1)]
    [InlineData(2, 7)]
    [InlineData(7, 16)]
    [InlineData(13, 17)]
    [InlineData(33, 31)]
    [InlineData(64, 65)]
    [InlineData(5, 257)]
    [InlineData(3, 128)]
    [InlineData(2, 129)]
    [InlineData(300, 10)]
    [InlineData(4, 5)]
    [InlineData(5, 3)]
    [InlineData(6, 16)]
    [InlineData(20, 10)]
    [InlineData(21, 1)]
    public void ColumnSums_match_double_reference_on_a_strided_view(int height, int width)
    {
        ColumnSums<float>(height, width);
        ColumnSums<double>(height, width);
    }

    private static void ColumnSums<T>(int height, int width)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // A sum of H terms: at most (H - 1) u sum |x| off; the tests allow H u sum |x|.
        var random = new Random((height * 7) + width);
        const int pitch = 3;
        T[] storage = GuardedMatrix<T>(height, width, pitch, Guard);
        var matrix = new Span2D<T>(storage, Guard, height, width, pitch);
        ActivationsTests.FillView(random, matrix, -2, 2);
        T[] before = (T[])storage.Clone();
        T[] destination = Guarded<T>(width, Guard);
        destination.AsSpan(Guard, width).Fill(T.NaN); // overwritten, never read

        MatrixProduct.ColumnSums<T>(matrix, destination.AsSpan(Guard, width));

        AssertUnchanged(before, storage);
        AssertGuardsUntouched(destination, Guard);
        for (int j = 0; j < width; j++)
        {
            double sum = 0, magnitude = 0;
            for (int i = 0; i < height; i++)
            {
                sum += D(matrix[i, j]);
                magnitude += Math.Abs(D(matrix[i, j]));
            }

            AssertWithin(sum, D(destination[Guard + j]), height * UnitRoundoff<T>() * magnitude, $"{typeof(T).Name} column sum {j} of {height} x {width}");
        }
    }

    // ---- product epilogues ----

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(20, 5, 10)]
    [InlineData(20, 10, 5)]
    [InlineData(7, 16, 3)]
    [InlineData(9, 17, 13)]
    [InlineData(13, 31, 2)]
    [InlineData(8, 33, 40)]
    [InlineData(17, 64, 64)]
    [InlineData(33, 10, 65)]
    [InlineData(50, 16, 7)]
    [InlineData(65, 65, 65)]
    [InlineData(70, 80, 90)]
    [InlineData(33, 10, 300)] // deep and narrow: dot products over chunks of op(B)'s columns
    [InlineData(5, 12, 513)]
    [InlineData(2, 1, 256)]
    [InlineData(10, 45, 64)]  // with AVX2: a strip of 6 rows and one of 4, each ending in 5 columns of a partial vector
    [InlineData(20, 300, 600)] // with AVX2: two K blocks and B blocks of 128, 128 and 44 columns; the epilogue after the last K block only
    public void Product_epilogues_match_the_product_followed_by_the_element_wise_step(int m, int n, int k)
    {
        foreach (ProductEpilogue epilogue in new[] { ProductEpilogue.AddBias, ProductEpilogue.AddBiasThenSigmoid, ProductEpilogue.TimesSigmoidDerivative })
        {
            foreach (Operand opB in new[] { Operand.AsIs, Operand.Transposed })
            {
                Epilogue<float>(m, n, k, opB, epilogue, withPacking: true);
                Epilogue<float>(m, n, k, opB, epilogue, withPacking: false);
                Epilogue<double>(m, n, k, opB, epilogue, withPacking: true);

                // C and h contiguous (no gap after their rows), as in a workspace: the element-wise steps may then take
                // all rows in one pass.
                Epilogue<float>(m, n, k, opB, epilogue, withPacking: true, contiguous: true);
                Epilogue<double>(m, n, k, opB, epilogue, withPacking: true, contiguous: true);
            }
        }
    }

    private static void Epilogue<T>(int m, int n, int k, Operand opB, ProductEpilogue epilogue, bool withPacking, bool contiguous = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Tolerance: the product as in the other tests, 2 (K + 2) u sum |a b| = e; then
        // + bias: one more rounding, e + u |r|;
        // sigmoid(p + bias): the sigmoid's slope is at most 1/4, so e / 4 + u |p + b| / 4, plus the sigmoid's own 3 ulp
        // (6u |r|) in float or about 4u |r| in double: e / 4 + u |p + b| + 6u |r|;
        // p h (1 - h) with h exact: e |h (1 - h)| + 3u |r|.
        var random = new Random((m * 7919) + (n * 31) + k);
        int pitchC = contiguous ? 0 : 3, pitchH = contiguous ? 0 : 2;
        (int bRows, int bCols) = opB == Operand.AsIs ? (k, n) : (n, k);
        T[] a = Uniform<T>(random, m * k, -1, 1);
        T[] b = Uniform<T>(random, bRows * bCols, -1, 1);
        T[] bias = Uniform<T>(random, n, -2, 2);
        T[] sigmoidStorage = Uniform<T>(random, m * (n + pitchH), 0, 1);
        T[] storage = GuardedMatrix<T>(m, n, pitchC, Guard);
        var c = new Span2D<T>(storage, Guard, m, n, pitchC);
        var sigmoid = new ReadOnlySpan2D<T>(sigmoidStorage, 0, m, n, pitchH);
        var aView = new ReadOnlySpan2D<T>(a, m, k);
        var bView = new ReadOnlySpan2D<T>(b, bRows, bCols);
        var packing = new AlignedBuffer<T>(withPacking ? Math.Max(GemmBlocking.PackingLength<T>(k, n), (long)k * n) : 0);

        MatrixProduct.MultiplyThen(
            aView, Operand.AsIs, bView, opB, c, packing.Span, epilogue,
            epilogue == ProductEpilogue.TimesSigmoidDerivative ? default : bias,
            epilogue == ProductEpilogue.TimesSigmoidDerivative ? sigmoid : default);

        AssertOutsideViewUntouched(storage, m, n, pitchC, Guard);
        double u = UnitRoundoff<T>();
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double product = 0, magnitude = 0;
                for (int p = 0; p < k; p++)
                {
                    double term = D(a[(i * k) + p]) * D(opB == Operand.AsIs ? b[(p * n) + j] : b[(j * k) + p]);
                    product += term;
                    magnitude += Math.Abs(term);
                }

                double e = 2 * (k + 2) * u * magnitude;
                (double exact, double bound) = epilogue switch
                {
                    ProductEpilogue.AddBias => (product + D(bias[j]), e + (u * Math.Abs(product + D(bias[j])))),
                    ProductEpilogue.AddBiasThenSigmoid => SigmoidWithBound(product + D(bias[j]), e, u),
                    _ => DerivativeWithBound(product, D(sigmoid[i, j]), e, u),
                };
                AssertWithin(exact, D(c[i, j]), bound, $"{typeof(T).Name} {epilogue} op(B) {opB} packing {withPacking} [{i},{j}] of {m} x {n} x {k}");
            }
        }
    }

    private static (double Exact, double Bound) SigmoidWithBound(double x, double productError, double u)
    {
        double exact = 1 / (1 + Math.Exp(-x));
        return (exact, (productError / 4) + (u * Math.Abs(x)) + (6 * u * exact));
    }

    private static (double Exact, double Bound) DerivativeWithBound(double product, double h, double productError, double u)
    {
        double slope = h * (1 - h);
        double exact = product * slope;
        return (exact, (productError * slope) + (3 * u * Math.Abs(exact)));
    }
}
