namespace Nn.Span.Tests;

/// <summary>
/// The public product against a triple loop accumulated in double. Tolerance: an entry is a sum of K products;
/// its rounding error is at most about (K + 2) eps sum |a_ip b_pj| (+ |beta c_ij|), with eps = 2^-24 (float) or
/// 2^-53 (double); the tests allow twice that.
/// </summary>
public sealed class GemmTests
{
    private static readonly int[] Sizes = [0, 1, 2, 3, 7, 13, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 129];

    public static TheoryData<int, int, int, Transpose, Transpose> Shapes()
    {
        var data = new TheoryData<int, int, int, Transpose, Transpose>();
        var random = new Random(11);
        for (int i = 0; i < 48; i++)
        {
            data.Add(
                Sizes[random.Next(Sizes.Length)], Sizes[random.Next(Sizes.Length)], Sizes[random.Next(Sizes.Length)],
                (Transpose)(i % 2), (Transpose)(i / 2 % 2));
        }

        // The network's products at the mnist and seed workloads (M, N, K).
        data.Add(256, 512, 784, Transpose.None, Transpose.None);   // X W1
        data.Add(784, 512, 256, Transpose.Transposed, Transpose.None); // X^T dZ1
        data.Add(256, 512, 10, Transpose.None, Transpose.Transposed);  // dZ2 W2^T
        data.Add(256, 10, 512, Transpose.None, Transpose.None);    // h W2
        data.Add(20, 5, 10, Transpose.None, Transpose.None);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Product_matches_a_double_triple_loop(int m, int n, int k, Transpose transposeA, Transpose transposeB)
    {
        Check<float>(m, n, k, transposeA, transposeB, beta: 0f, pitch: 0);
        Check<double>(m, n, k, transposeA, transposeB, beta: -0.75, pitch: 5);
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(17, 33, 65)]
    [InlineData(129, 64, 300)]
    [InlineData(129, 200, 700)] // packed, two depth blocks: the second adds to what the first wrote
    public void Product_with_beta_accumulates_into_a_strided_c(int m, int n, int k)
    {
        Check<float>(m, n, k, Transpose.None, Transpose.Transposed, beta: 1f, pitch: 3);
        Check<float>(m, n, k, Transpose.Transposed, Transpose.None, beta: 2.5f, pitch: 1);
    }

    [Fact]
    public void Single_row_products_split_the_depth_and_still_match_the_triple_loop()
    {
        // One row of C takes four partial sums over p mod 4: depths around multiples of 4, one and two column vectors.
        foreach (int n in new[] { 1, 5, 16, 17, 32 })
        {
            foreach (int k in new[] { 1, 3, 4, 5, 7, 8, 64, 65 })
            {
                for (int transposes = 0; transposes < 4; transposes++)
                {
                    var transposeA = (Transpose)(transposes & 1);
                    var transposeB = (Transpose)(transposes >> 1);
                    Check<float>(1, n, k, transposeA, transposeB, beta: 0f, pitch: 3);
                    Check<float>(1, n, k, transposeA, transposeB, beta: 0.5f, pitch: 0);
                }
            }
        }
    }

    [Fact]
    public void Narrow_products_in_bands_of_sixteen_rows_match_the_triple_loop()
    {
        // At most 16 columns and at least 16 rows: bands of 16 rows, the last one moved up to end at row M, its rows
        // shared with the band before computed again but stored once (beta 0.5 would show a second store).
        foreach (int m in new[] { 16, 17, 20, 31, 32, 33, 47, 50 })
        {
            foreach (int n in new[] { 1, 5, 10, 16 })
            {
                foreach (int k in new[] { 1, 3, 10, 64 })
                {
                    for (int transposes = 0; transposes < 4; transposes++)
                    {
                        var transposeA = (Transpose)(transposes & 1);
                        var transposeB = (Transpose)(transposes >> 1);
                        Check<float>(m, n, k, transposeA, transposeB, beta: 0f, pitch: 3);
                        Check<float>(m, n, k, transposeA, transposeB, beta: 0.5f, pitch: 0);
                    }
                }
            }
        }

        // Rows of A 512 and 1024 floats apart share L1 sets; these bands take 8-row tiles instead.
        Check<float>(40, 10, 512, Transpose.None, Transpose.None, beta: 0.5f, pitch: 0);
        Check<float>(40, 10, 200, Transpose.None, Transpose.None, beta: 0f, pitch: 824);
    }

    [Fact]
    public void Direct_products_in_bands_of_twelve_and_eight_rows_match_the_triple_loop()
    {
        // Depth 32 and more: full tiles in bands of 12 rows, then of 8, then at most 3 rows in partial tiles; the columns
        // past the last full block of 32 in partial tiles of every band. Every row count from 1 to 41 meets each split.
        for (int m = 1; m <= 41; m++)
        {
            foreach ((int n, int k) in new[] { (32, 32), (45, 40), (64, 33) })
            {
                for (int transposes = 0; transposes < 4; transposes++)
                {
                    var transposeA = (Transpose)(transposes & 1);
                    var transposeB = (Transpose)(transposes >> 1);
                    Check<float>(m, n, k, transposeA, transposeB, beta: 0f, pitch: 3);
                    Check<float>(m, n, k, transposeA, transposeB, beta: 0.5f, pitch: 0);
                }
            }
        }

        // Rows of A 1024 floats apart share L1 sets: bands of 8 rows only.
        Check<float>(40, 64, 200, Transpose.None, Transpose.None, beta: 0f, pitch: 824);
    }

    [Fact]
    public void Full_band_plan_leaves_at_most_three_rows_and_keeps_crowded_or_shallow_products_in_bands_of_eight()
    {
        for (int m = 1; m <= 300; m++)
        {
            (int wide, int narrow) = DirectGemm.FullBandPlan(m, 64, 64);
            int covered = (12 * wide) + (8 * narrow);
            Assert.True(covered <= m, $"{m} rows: {wide} x 12 + {narrow} x 8 cover more than there are");
            Assert.True(m - covered <= (m < 8 ? m : 3), $"{m} rows: {m - covered} left to partial tiles");
            Assert.InRange(narrow, 0, 2);

            // Shallow products and rows 4 KiB apart (one L1 set for all of them): bands of 8 only.
            Assert.Equal((0, m / 8), DirectGemm.FullBandPlan(m, 31, 64));
            Assert.Equal((0, m / 8), DirectGemm.FullBandPlan(m, 64, 1024));
        }

        // The digits batch: 64 = 4 x 12 + 2 x 8; 20 = 12 + 8; 256 = 20 x 12 + 2 x 8.
        Assert.Equal((4, 2), DirectGemm.FullBandPlan(64, 64, 64));
        Assert.Equal((1, 1), DirectGemm.FullBandPlan(20, 64, 64));
        Assert.Equal((20, 2), DirectGemm.FullBandPlan(256, 64, 64));
    }

    [Fact]
    public void Shallow_products_of_large_matrices_match_the_triple_loop()
    {
        // K <= 16 runs the direct form at any size: full 8 x 32 tiles in long bands, partial tiles at both edges, and
        // B^T copied to the scratch panel (K N elements) first.
        foreach ((int m, int n, int k) in new[] { (256, 512, 10), (300, 700, 7), (97, 1031, 1), (129, 257, 16), (1000, 33, 13) })
        {
            for (int transposes = 0; transposes < 4; transposes++)
            {
                var transposeA = (Transpose)(transposes & 1);
                var transposeB = (Transpose)(transposes >> 1);
                Check<float>(m, n, k, transposeA, transposeB, beta: 0f, pitch: 3);
                Check<float>(m, n, k, transposeA, transposeB, beta: 0.5f, pitch: 0);
            }
        }
    }

    [Fact]
    public void The_workspace_holds_one_a_block_and_one_b_block_of_the_largest_size()
    {
        // MC x KC = 120 x 512 for A and KC x NC = 512 x 2048 for B: 1,110,016 elements (4.2 MiB of floats, 8.5 MiB
        // of doubles), and one cache line of slack for the alignment.
        const long Elements = (120 * 512) + (512 * 2048);
        Assert.Equal(Elements, GemmBlocking.PackingLength<float>(GemmBlocking.DepthBlock, GemmBlocking.ColumnBlock));
        Assert.InRange(new GemmWorkspace<float>().SizeInBytes, Elements * sizeof(float), (Elements * sizeof(float)) + 64);
        Assert.InRange(new GemmWorkspace<double>().SizeInBytes, Elements * sizeof(double), (Elements * sizeof(double)) + 64);
    }

    [Fact]
    public void Few_rows_times_a_transposed_b_too_large_to_copy_take_the_packed_path_and_match_the_triple_loop()
    {
        // Two rows suit the direct form, but it first copies op(B) = B^T (K N floats) into the workspace: with
        // 1000 x 1200 it does not fit, so the product runs packed; as stored (no copy needed) it runs direct.
        long workspaceLength = new GemmWorkspace<float>().Buffer.Length;
        Assert.True(1200L * 1000 > workspaceLength);
        if (DirectGemm.IsSupported)
        {
            Assert.False(DirectGemm.Takes(2, 1000, 1200, Operand.Transposed, workspaceLength));
            Assert.True(DirectGemm.Takes(2, 1000, 1200, Operand.AsIs, workspaceLength));
        }

        Check<float>(2, 1000, 1200, Transpose.None, Transpose.Transposed, beta: 0f, pitch: 3);
        Check<float>(2, 1000, 1200, Transpose.Transposed, Transpose.None, beta: 0.5f, pitch: 0);
    }

    private static void Check<T>(int m, int n, int k, Transpose transposeA, Transpose transposeB, T beta, int pitch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random((m * 1000) + (n * 10) + k);
        bool ta = transposeA == Transpose.Transposed, tb = transposeB == Transpose.Transposed;
        int aRows = ta ? k : m, aCols = ta ? m : k, bRows = tb ? n : k, bCols = tb ? k : n;
        T[] a = Fill<T>(random, aRows * (aCols + pitch));
        T[] b = Fill<T>(random, bRows * (bCols + pitch));
        T[] c = Fill<T>(random, (m * (n + pitch)) + 16); // 16 guard elements after the last row
        T[] before = (T[])c.Clone();
        var aView = new ReadOnlySpan2D<T>(a, 0, aRows, aCols, pitch);
        var bView = new ReadOnlySpan2D<T>(b, 0, bRows, bCols, pitch);
        var cView = new Span2D<T>(c, 0, m, n, pitch);

        Gemm.Multiply(aView, transposeA, bView, transposeB, cView, beta, new GemmWorkspace<T>());

        double eps = typeof(T) == typeof(float) ? 1.0 / (1 << 24) : 1.0 / (1L << 53);
        double betaValue = double.CreateChecked(beta);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0, magnitude = 0;
                for (int p = 0; p < k; p++)
                {
                    double product = double.CreateChecked(ta ? aView[p, i] : aView[i, p]) * double.CreateChecked(tb ? bView[j, p] : bView[p, j]);
                    sum += product;
                    magnitude += Math.Abs(product);
                }

                double previous = betaValue * double.CreateChecked(before[(i * (n + pitch)) + j]);
                double expected = sum + previous;
                double bound = 2 * (k + 2) * eps * (magnitude + Math.Abs(previous));
                double actual = double.CreateChecked(cView[i, j]);
                Assert.True(Math.Abs(actual - expected) <= bound, $"C[{i},{j}] = {actual}, expected {expected}, bound {bound}");
            }

            for (int gap = n; gap < n + pitch; gap++)
            {
                Assert.Equal(before[(i * (n + pitch)) + gap], c[(i * (n + pitch)) + gap]);
            }
        }

        for (int index = m * (n + pitch); index < c.Length; index++)
        {
            Assert.Equal(before[index], c[index]);
        }
    }

    private static T[] Fill<T>(Random random, int length)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Enumerable.Range(0, length).Select(_ => T.CreateChecked((random.NextDouble() * 2) - 1)).ToArray();

    [Fact]
    public void Beta_zero_ignores_nan_left_in_c()
    {
        float[] a = Enumerable.Range(0, 33 * 40).Select(i => (i % 7) - 3f).ToArray();
        float[] b = Enumerable.Range(0, 40 * 70).Select(i => (i % 5) - 2f).ToArray();
        float[] c = Enumerable.Repeat(float.NaN, 33 * 70).ToArray();
        Gemm.Multiply(new ReadOnlySpan2D<float>(a, 33, 40), new ReadOnlySpan2D<float>(b, 40, 70), new Span2D<float>(c, 33, 70), new GemmWorkspace<float>());
        Assert.All(c, value => Assert.True(float.IsFinite(value)));
    }

    [Fact]
    public void Nan_and_infinity_in_a_or_b_propagate_to_their_row_and_column()
    {
        const int m = 19, n = 37, k = 23;
        double[] a = Enumerable.Range(0, m * k).Select(i => (i % 3) + 1.0).ToArray();
        double[] b = Enumerable.Range(0, k * n).Select(i => (i % 4) + 1.0).ToArray();
        a[(5 * k) + 2] = double.NaN;              // row 5 of C
        b[(7 * n) + 30] = double.PositiveInfinity; // column 30 of C (all entries of A are positive)
        double[] c = new double[m * n];
        Gemm.Multiply(new ReadOnlySpan2D<double>(a, m, k), new ReadOnlySpan2D<double>(b, k, n), new Span2D<double>(c, m, n), new GemmWorkspace<double>());
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double value = c[(i * n) + j];
                if (i == 5)
                {
                    Assert.True(double.IsNaN(value));
                }
                else if (j == 30)
                {
                    Assert.Equal(double.PositiveInfinity, value);
                }
                else
                {
                    Assert.True(double.IsFinite(value));
                }
            }
        }
    }

    [Fact]
    public void Mismatched_inner_dimensions_throw_naming_b_and_leave_c_untouched()
    {
        float[] c = Enumerable.Repeat(42f, 6).ToArray();
        var error = Assert.Throws<ArgumentException>(() => Gemm.Multiply(
            new ReadOnlySpan2D<float>(new float[6], 2, 3), new ReadOnlySpan2D<float>(new float[8], 4, 2), new Span2D<float>(c, 2, 3), new GemmWorkspace<float>()));
        Assert.Equal("b", error.ParamName);
        Assert.Contains("3 rows", error.Message, StringComparison.Ordinal);
        Assert.All(c, value => Assert.Equal(42f, value));
    }

    [Fact]
    public void Wrong_shape_of_c_throws_naming_c()
    {
        float[] c = Enumerable.Repeat(42f, 6).ToArray();
        var error = Assert.Throws<ArgumentException>(() => Gemm.Multiply(
            new ReadOnlySpan2D<float>(new float[6], 2, 3), new ReadOnlySpan2D<float>(new float[9], 3, 3), new Span2D<float>(c, 3, 2), new GemmWorkspace<float>()));
        Assert.Equal("c", error.ParamName);
        Assert.Contains("2 x 3", error.Message, StringComparison.Ordinal);
        Assert.All(c, value => Assert.Equal(42f, value));
    }

    [Fact]
    public void C_overlapping_a_or_b_throws_and_leaves_memory_untouched()
    {
        float[] shared = Enumerable.Range(0, 64).Select(i => (float)i).ToArray();
        float[] before = (float[])shared.Clone();
        float[] other = new float[16];
        var workspace = new GemmWorkspace<float>();

        // C partially overlaps A.
        var partial = Assert.Throws<ArgumentException>(() => Gemm.Multiply(
            new ReadOnlySpan2D<float>(shared, 0, 4, 4, 0), new ReadOnlySpan2D<float>(other, 4, 4), new Span2D<float>(shared, 8, 4, 4, 0), workspace));
        Assert.Equal("c", partial.ParamName);

        // C is exactly B: a product cannot run in place.
        var exact = Assert.Throws<ArgumentException>(() => Gemm.Multiply(
            new ReadOnlySpan2D<float>(other, 4, 4), new ReadOnlySpan2D<float>(shared, 0, 4, 4, 0), new Span2D<float>(shared, 0, 4, 4, 0), workspace));
        Assert.Equal("c", exact.ParamName);
        Assert.Equal(before, shared);
    }

    [Theory]
    [InlineData(20, 10, 5)] // the seed's X W1: with AVX-512 its kernel is chosen before the general checks
    [InlineData(9, 7, 3)]
    [InlineData(24, 63, 8)]
    [InlineData(25, 10, 5)] // one row too many for that kernel
    public void Small_plain_products_check_their_operands_like_every_product(int m, int k, int n)
    {
        var workspace = new GemmWorkspace<float>();
        float[] a = new float[m * k], b = new float[(k + 1) * n];
        float[] c = Enumerable.Repeat(42f, (m + 1) * n).ToArray();

        var noWorkspace = Assert.Throws<ArgumentNullException>(() => Gemm.Multiply(
            new ReadOnlySpan2D<float>(a, m, k), new ReadOnlySpan2D<float>(b, k, n), new Span2D<float>(c, m, n), null!));
        Assert.Equal("workspace", noWorkspace.ParamName);

        var deeperB = Assert.Throws<ArgumentException>(() => Gemm.Multiply(
            new ReadOnlySpan2D<float>(a, m, k), new ReadOnlySpan2D<float>(b, k + 1, n), new Span2D<float>(c, m, n), workspace));
        Assert.Equal("b", deeperB.ParamName);
        Assert.Contains($"{k} rows", deeperB.Message, StringComparison.Ordinal);

        var tallerC = Assert.Throws<ArgumentException>(() => Gemm.Multiply(
            new ReadOnlySpan2D<float>(a, m, k), new ReadOnlySpan2D<float>(b, k, n), new Span2D<float>(c, m + 1, n), workspace));
        Assert.Equal("c", tallerC.ParamName);
        Assert.Contains($"{m} x {n}", tallerC.Message, StringComparison.Ordinal);
        Assert.All(c, value => Assert.Equal(42f, value));

        // C on the last row of A, then C starting on the last row of B.
        float[] shared = Enumerable.Range(0, (m * k) + (m * n)).Select(i => (float)i).ToArray();
        float[] before = (float[])shared.Clone();
        var overA = Assert.Throws<ArgumentException>(() => Gemm.Multiply(
            new ReadOnlySpan2D<float>(shared, m, k), new ReadOnlySpan2D<float>(b, k, n), new Span2D<float>(shared, (m - 1) * k, m, n, 0), workspace));
        Assert.Equal("c", overA.ParamName);
        Assert.Contains("'a'", overA.Message, StringComparison.Ordinal);
        var overB = Assert.Throws<ArgumentException>(() => Gemm.Multiply(
            new ReadOnlySpan2D<float>(a, m, k), new ReadOnlySpan2D<float>(shared, k, n), new Span2D<float>(shared, (k - 1) * n, m, n, 0), workspace));
        Assert.Equal("c", overB.ParamName);
        Assert.Contains("'b'", overB.Message, StringComparison.Ordinal);
        Assert.Equal(before, shared);
    }

    [Fact]
    public void Undefined_transpose_value_throws()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Gemm.Multiply(
            new ReadOnlySpan2D<float>(new float[4], 2, 2), (Transpose)7, new ReadOnlySpan2D<float>(new float[4], 2, 2), Transpose.None,
            new Span2D<float>(new float[4], 2, 2), 0f, new GemmWorkspace<float>()));
        Assert.Equal("transposeA", error.ParamName);
    }

    [Fact]
    public void Product_allocates_nothing_after_warm_up()
    {
        float[] a = new float[256 * 784], b = new float[784 * 512], c = new float[256 * 512];
        var workspace = new GemmWorkspace<float>();
        void Run()
        {
            Gemm.Multiply(new ReadOnlySpan2D<float>(a, 256, 784), new ReadOnlySpan2D<float>(b, 784, 512), new Span2D<float>(c, 256, 512), workspace);
            Gemm.Multiply(new ReadOnlySpan2D<float>(a, 256, 784), Transpose.Transposed, new ReadOnlySpan2D<float>(c, 256, 512), Transpose.None, new Span2D<float>(b, 784, 512), 0.5f, workspace);
            Gemm.Multiply(new ReadOnlySpan2D<float>(a, 0, 20, 10, 0), new ReadOnlySpan2D<float>(b, 0, 10, 5, 0), new Span2D<float>(c, 0, 20, 5, 0), workspace);

            // The direct product: B turned around in registers, a single row, and a right operand that stays in L2.
            Gemm.Multiply(new ReadOnlySpan2D<float>(a, 0, 256, 10, 0), Transpose.None, new ReadOnlySpan2D<float>(b, 0, 512, 10, 0), Transpose.Transposed, new Span2D<float>(c, 0, 256, 512, 0), 0f, workspace);
            Gemm.Multiply(new ReadOnlySpan2D<float>(a, 0, 1, 64, 0), new ReadOnlySpan2D<float>(b, 0, 64, 32, 0), new Span2D<float>(c, 0, 1, 32, 0), workspace);
            Gemm.Multiply(new ReadOnlySpan2D<float>(a, 0, 64, 64, 0), new ReadOnlySpan2D<float>(b, 0, 64, 128, 0), new Span2D<float>(c, 0, 64, 128, 0), workspace);

            // A narrow C: A^T run down the rows of C, and dot products for a deep product (B as stored and transposed).
            Gemm.Multiply(new ReadOnlySpan2D<float>(a, 0, 256, 512, 0), Transpose.Transposed, new ReadOnlySpan2D<float>(b, 0, 256, 10, 0), Transpose.None, new Span2D<float>(c, 0, 512, 10, 0), 0f, workspace);
            Gemm.Multiply(new ReadOnlySpan2D<float>(a, 0, 256, 512, 0), new ReadOnlySpan2D<float>(b, 0, 512, 10, 0), new Span2D<float>(c, 0, 256, 10, 0), workspace);
            Gemm.Multiply(new ReadOnlySpan2D<float>(a, 0, 256, 600, 0), Transpose.None, new ReadOnlySpan2D<float>(b, 0, 10, 600, 0), Transpose.Transposed, new Span2D<float>(c, 0, 256, 10, 0), 0.5f, workspace);

            // At most five columns and K >= 128: dot products along A's rows with AVX2 (B's columns copied onto the stack).
            Gemm.Multiply(new ReadOnlySpan2D<float>(a, 0, 256, 512, 0), new ReadOnlySpan2D<float>(b, 0, 512, 5, 0), new Span2D<float>(c, 0, 256, 5, 0), workspace);

            // Dot products at a shallower depth with enough rows (the digits network's logits).
            Gemm.Multiply(new ReadOnlySpan2D<float>(a, 0, 64, 128, 0), new ReadOnlySpan2D<float>(b, 0, 128, 10, 0), new Span2D<float>(c, 0, 64, 10, 0), workspace);

            // At most 16 columns: a plain product of 9 to 24 rows and at most 8 columns (two steps of depth per vector),
            // a band of 9 to 15 rows in one pass, a band with a tail, and tiles of 5 to 8 and of 2 to 4 rows, with beta 0
            // and not.
            Gemm.Multiply(new ReadOnlySpan2D<float>(a, 0, 12, 10, 0), new ReadOnlySpan2D<float>(b, 0, 10, 5, 0), new Span2D<float>(c, 0, 12, 5, 0), workspace);
            Gemm.Multiply(new ReadOnlySpan2D<float>(a, 0, 13, 32, 0), Transpose.None, new ReadOnlySpan2D<float>(b, 0, 32, 16, 0), Transpose.None, new Span2D<float>(c, 0, 13, 16, 0), 0.5f, workspace);
            Gemm.Multiply(new ReadOnlySpan2D<float>(a, 0, 20, 10, 0), new ReadOnlySpan2D<float>(b, 0, 10, 12, 0), new Span2D<float>(c, 0, 20, 12, 0), workspace);
            Gemm.Multiply(new ReadOnlySpan2D<float>(a, 0, 6, 20, 0), new ReadOnlySpan2D<float>(b, 0, 20, 7, 0), new Span2D<float>(c, 0, 6, 7, 0), workspace);
            Gemm.Multiply(new ReadOnlySpan2D<float>(a, 0, 3, 20, 0), Transpose.None, new ReadOnlySpan2D<float>(b, 0, 20, 5, 0), Transpose.None, new Span2D<float>(c, 0, 3, 5, 0), -1f, workspace);
        }

        Assert.Equal(0, Allocations.FewestBytesInARound(Run, repetitions: 3, rounds: 3));
    }
}
