namespace Nn.Span.Tests;

/// <summary>
/// The packed, blocked product against a triple loop accumulated in double. Tolerance: each entry is a sum of K
/// products, whose float rounding error is bounded by about K eps sum |a_ip b_pj| (eps = 2^-24 for float,
/// 2^-53 for double); the tests allow 2 K eps times that magnitude.
/// </summary>
public sealed unsafe class PackedGemmTests
{
    private static readonly int[] Sizes = [1, 2, 3, 7, 13, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 129];

    public static TheoryData<int, int, int, int> Shapes()
    {
        var data = new TheoryData<int, int, int, int>();
        var random = new Random(7);
        for (int i = 0; i < 40; i++)
        {
            data.Add(Sizes[random.Next(Sizes.Length)], Sizes[random.Next(Sizes.Length)], Sizes[random.Next(Sizes.Length)], random.Next(4));
        }

        data.Add(256, 512, 600, 0); // more than one K block and one M block (and, with AVX2, four B blocks of 128 columns)
        data.Add(130, 2100, 9, 1);  // more than one N block (with AVX2, two A blocks of 120 rows: B packed for each)

        // A deep K block, then a shallow one (18 and 64 deep), adding to C.
        data.Add(256, 512, 530, 2);
        data.Add(45, 100, 576, 3);

        // A^T read in place (full panels) with a packed last panel, over several M and K blocks: rows of A 134 and 303
        // elements apart (pitch 3 included).
        data.Add(131, 33, 600, 1);
        data.Add(300, 70, 130, 3);
        // A^T packed because its rows are a multiple of 512 bytes apart (128 and 256 elements, pitch included).
        data.Add(125, 40, 70, 1);
        data.Add(253, 50, 600, 3);

        // AVX2, rows of A read in place: M blocks of 120, 120 and 10 rows (B's 2048 columns leave room for 120 rows of A);
        // 13 rows (two panels of six in place, the last row packed in a partial panel of six); 10 rows (one panel in
        // place, four packed in a narrow panel); rows 1024 elements apart with the pitch (4 KiB for float, 8 KiB for
        // double), so packed.
        data.Add(250, 2100, 9, 0);
        data.Add(13, 35, 600, 0);
        data.Add(10, 17, 64, 2);
        data.Add(20, 40, 1021, 0);

        // The last B panel's columns fit in its first vector, which a tile of half the width takes: N = 1000 leaves 8 of
        // 32 floats and 8 of 16 doubles (wide's h W2 and h^T dZ2), N = 48 exactly 16 floats and, for double, 16 of 16.
        data.Add(40, 1000, 70, 0);
        data.Add(37, 1000, 530, 1);
        data.Add(25, 48, 33, 2);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Packed_product_matches_double_reference_for_every_transpose(int m, int n, int k, int transposes)
    {
        bool transposeA = (transposes & 1) != 0;
        bool transposeB = (transposes & 2) != 0;

        // Both ways of reading A's panels, whatever the processor running the test: with A^T, in place (as chosen on AMD)
        // and packed (as on Intel); with A as stored, its rows in place (the AVX2 kernel's choice) and packed.
        foreach (bool inPlace in new[] { false, true })
        {
            bool transposedInPlace = transposeA ? inPlace : PackedGemm.ReadsTransposedPanelsInPlace;
            bool rowsInPlace = transposeA || inPlace;
            Check<float>(m, n, k, transposeA, transposeB, beta: 0f, seed: m * 31 + n, transposedInPlace, rowsInPlace);
            Check<double>(m, n, k, transposeA, transposeB, beta: 0.5, seed: m + n * 17, transposedInPlace, rowsInPlace);
        }
    }

    [Theory]
    [InlineData(13, 40, 30)]   // two panels of 8, the second partial (AVX2: two strips of 6 and one of 1)
    [InlineData(20, 33, 600)]  // one panel of 12 and one of 8, two K blocks
    [InlineData(44, 65, 70)]   // three panels of 12 and one of 8
    [InlineData(70, 40, 520)]  // six panels of 12, the last of 10 rows
    [InlineData(256, 48, 100)] // M blocks of 120, 120 and 16: the last as two panels of 8
    [InlineData(10, 45, 64)]   // AVX2: a strip of 6 rows and one of 4, each ending in 5 columns of a partial vector
    [InlineData(97, 300, 520)] // AVX2: two K blocks, B blocks of 128, 128 and 44 columns, 16 strips of 6 and one of 1
    [InlineData(256, 512, 10)] // AVX2: mnist's dZ1 shape, one K block and all 512 columns in one B block
    public void Packed_product_epilogues_equal_the_plain_product_followed_by_the_float_step(int m, int n, int k)
    {
        Assert.SkipUnless(GemmBlocking.HasPackedKernel, "The packed kernels need AVX-512, or AVX2 with FMA.");

        // C and h are strided views (gaps of 3 and 5 after each row) filled with a sentinel, which the gaps keep.
        const int pitchC = 3, pitchH = 5;
        const float sentinel = 1234.5f;
        var random = new Random((m * 7) + n);
        float[] a = Fill<float>(random, m * k);
        float[] b = Fill<float>(random, k * n);
        float[] bias = Fill<float>(random, n);
        float[] sigmoid = Fill<float>(random, m * (n + pitchH)).Select(x => (x + 1) / 2).ToArray();
        float[] plain = new float[m * n];
        var packing = new AlignedBuffer<float>(GemmBlocking.PackingLength<float>(k, n));
        fixed (float* panels = packing.Span)
        fixed (float* biasPointer = bias)
        fixed (float* sigmoidPointer = sigmoid)
        {
            PackedGemm.Multiply(new ReadOnlySpan2D<float>(a, m, k), Operand.AsIs, new ReadOnlySpan2D<float>(b, k, n), Operand.AsIs, new Span2D<float>(plain, m, n), 0f, panels, packing.Length);
            foreach (ProductEpilogue kind in new[] { ProductEpilogue.AddBias, ProductEpilogue.AddBiasThenSigmoid, ProductEpilogue.TimesSigmoidDerivative })
            {
                float[] fused = Enumerable.Repeat(sentinel, m * (n + pitchC)).ToArray();
                var epilogue = new EpilogueArguments(kind, biasPointer, sigmoidPointer, n + pitchH);
                PackedGemm.Multiply(
                    new ReadOnlySpan2D<float>(a, m, k), Operand.AsIs, new ReadOnlySpan2D<float>(b, k, n), Operand.AsIs, new Span2D<float>(fused, 0, m, n, pitchC), 0f,
                    panels, packing.Length, epilogue, false, rowPanelsInPlace: true);
                for (int i = 0; i < m; i++)
                {
                    for (int j = 0; j < n; j++)
                    {
                        // The epilogue takes the tile (or strip) the kernel stored, so each entry is the plain product's, then the step.
                        float p = plain[(i * n) + j];
                        float h = sigmoid[(i * (n + pitchH)) + j];
                        float expected = kind switch
                        {
                            ProductEpilogue.AddBias => p + bias[j],
                            ProductEpilogue.AddBiasThenSigmoid => FloatExponential.SigmoidOperator.Invoke(p + bias[j]),
                            _ => p * (h * (1f - h)),
                        };
                        float actual = fused[(i * (n + pitchC)) + j];
                        Assert.True(expected.Equals(actual), $"{kind}, {m}x{n}x{k}: entry ({i}, {j}) is {actual}, expected {expected}");
                    }

                    for (int g = 0; g < pitchC; g++)
                    {
                        Assert.Equal(sentinel, fused[(i * (n + pitchC)) + n + g]);
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData(13, 45, 70)] // strips of 6, 6 and 1 rows (AVX2), rows ending in 5 columns of a partial vector
    [InlineData(20, 33, 600)] // two K blocks; 33 columns: one column past two whole panels
    [InlineData(9, 8, 20)]   // whole vectors only
    public void Packed_product_epilogues_stay_within_c_h_and_the_bias_against_inaccessible_pages(int m, int n, int k)
    {
        Assert.SkipUnless(GemmBlocking.HasPackedKernel, "The packed kernels need AVX-512, or AVX2 with FMA.");
        Assert.SkipUnless(ProtectedPages.Available, "Needs mmap and mprotect.");
        var random = new Random(m + n + k);
        float[] a = Fill<float>(random, m * k);
        float[] b = Fill<float>(random, k * n);
        float[] plain = new float[m * n];
        var packing = new AlignedBuffer<float>(GemmBlocking.PackingLength<float>(k, n));

        // C, h and the bias each end flush against an inaccessible page: a vector that reads or writes a lane past
        // the last column of C's or h's last row, or past the bias, faults at once.
        using var cPages = new ProtectedPages((long)m * n * sizeof(float));
        using var hPages = new ProtectedPages((long)m * n * sizeof(float));
        using var biasPages = new ProtectedPages(n * sizeof(float));
        float[] hValues = Fill<float>(random, m * n).Select(x => (x + 1) / 2).ToArray();
        Span<float> h = hPages.Place<float>(hValues, atEnd: true);
        Span<float> bias = biasPages.Place<float>(Fill<float>(random, n), atEnd: true);
        fixed (float* panels = packing.Span)
        fixed (float* biasPointer = bias)
        fixed (float* hPointer = h)
        {
            PackedGemm.Multiply(new ReadOnlySpan2D<float>(a, m, k), Operand.AsIs, new ReadOnlySpan2D<float>(b, k, n), Operand.AsIs, new Span2D<float>(plain, m, n), 0f, panels, packing.Length);
            foreach (ProductEpilogue kind in new[] { ProductEpilogue.AddBias, ProductEpilogue.AddBiasThenSigmoid, ProductEpilogue.TimesSigmoidDerivative })
            {
                Span<float> c = cPages.Place<float>(new float[m * n], atEnd: true);
                PackedGemm.Multiply(
                    new ReadOnlySpan2D<float>(a, m, k), Operand.AsIs, new ReadOnlySpan2D<float>(b, k, n), Operand.AsIs, c.AsSpan2D(m, n), 0f, panels, packing.Length,
                    new EpilogueArguments(kind, biasPointer, hPointer, n), false, rowPanelsInPlace: true);

                // The last row, where the pages begin: the plain product's entries, then the step.
                for (int j = 0; j < n; j++)
                {
                    int index = ((m - 1) * n) + j;
                    float expected = kind switch
                    {
                        ProductEpilogue.AddBias => plain[index] + bias[j],
                        ProductEpilogue.AddBiasThenSigmoid => FloatExponential.SigmoidOperator.Invoke(plain[index] + bias[j]),
                        _ => plain[index] * (h[index] * (1f - h[index])),
                    };
                    Assert.True(expected.Equals(c[index]), $"{kind}, {m}x{n}x{k}: C[{m - 1}, {j}] is {c[index]}, expected {expected}");
                }
            }
        }
    }

    [Fact]
    public void The_processor_vendor_matches_the_one_the_system_reports()
    {
        const string cpuInfo = "/proc/cpuinfo";
        Assert.SkipUnless(File.Exists(cpuInfo) && System.Runtime.Intrinsics.X86.X86Base.IsSupported, "Needs /proc/cpuinfo on x86.");
        string? vendorLine = File.ReadLines(cpuInfo).FirstOrDefault(line => line.StartsWith("vendor_id", StringComparison.Ordinal));
        Assert.SkipWhen(vendorLine is null, "/proc/cpuinfo names no vendor.");
        Assert.Equal(vendorLine.EndsWith("AuthenticAMD", StringComparison.Ordinal), ProcessorVendor.IsAmd);
        Assert.Equal(ProcessorVendor.IsAmd && GemmBlocking.UsesVector512Kernel, PackedGemm.ReadsTransposedPanelsInPlace);
    }

    [Theory]
    [InlineData(250, 100, 600, 0)] // two K blocks; A in blocks of 120, 120 and 10 rows: the buffer filled to its last element (A packed)
    [InlineData(250, 100, 600, 3)]
    [InlineData(97, 300, 520, 1)]  // three B blocks of 128, 128 and 44 columns with AVX2, the last with a partial panel
    [InlineData(61, 37, 70, 2)]
    public void Packed_product_stays_within_its_buffer_against_an_inaccessible_page(int m, int n, int k, int transposes)
    {
        Assert.SkipUnless(ProtectedPages.Available, "Needs mmap and mprotect.");
        bool transposeA = (transposes & 1) != 0;
        bool transposeB = (transposes & 2) != 0;
        foreach (bool rowsInPlace in new[] { false, true })
        {
            GuardedCheck<float>(m, n, k, transposeA, transposeB, rowsInPlace);
            GuardedCheck<double>(m, n, k, transposeA, transposeB, rowsInPlace);
        }
    }

    [Theory]
    [InlineData(12, 40, 600)] // two panels of six rows in place over two K blocks: the last step reads A's last element
    [InlineData(13, 33, 70)]  // two panels in place, the last row packed; each strip ending in a partial tile
    [InlineData(6, 16, 1)]    // one tile of depth 1
    public void Rows_of_a_read_in_place_stay_within_a_against_an_inaccessible_page(int m, int n, int k)
    {
        Assert.SkipUnless(ProtectedPages.Available, "Needs mmap and mprotect.");
        RowsInPlaceGuardedCheck<float>(m, n, k);
        RowsInPlaceGuardedCheck<double>(m, n, k);
    }

    /// <summary>
    /// The product with A's rows read where they are, A flush against an inaccessible page: a step of the kernel that
    /// read one element of A past its last row (or past a K block into the next row's start, at the end) faults at once.
    /// </summary>
    private static void RowsInPlaceGuardedCheck<T>(int m, int n, int k)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random((m * 7) + k);
        T[] values = Fill<T>(random, m * k);
        T[] b = Fill<T>(random, k * n);
        T[] c = new T[m * n];
        var packing = new AlignedBuffer<T>(GemmBlocking.PackingLength<T>(k, n));
        using var pages = new ProtectedPages((long)m * k * sizeof(T));
        Span<T> a = pages.Place<T>(values, atEnd: true);
        fixed (T* aPointer = a)
        fixed (T* panels = packing.Span)
        {
            PackedGemm.Multiply(
                new ReadOnlySpan2D<T>(aPointer, m, k, 0), Operand.AsIs, new ReadOnlySpan2D<T>(b, k, n), Operand.AsIs, new Span2D<T>(c, m, n), T.Zero, panels,
                packing.Length, default, transposedPanelsInPlace: false, rowPanelsInPlace: true);
        }

        double eps = typeof(T) == typeof(float) ? 1.0 / (1 << 24) : 1.0 / (1L << 53);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0, magnitude = 0;
                for (int p = 0; p < k; p++)
                {
                    double product = double.CreateChecked(values[(i * k) + p]) * double.CreateChecked(b[(p * n) + j]);
                    sum += product;
                    magnitude += Math.Abs(product);
                }

                Assert.True(Math.Abs(double.CreateChecked(c[(i * n) + j]) - sum) <= 2 * k * eps * magnitude, $"{typeof(T).Name} {m}x{n}x{k}: C[{i}, {j}]");
            }
        }
    }

    /// <summary>
    /// The product with a buffer of exactly <see cref="GemmBlocking.PackingLength{T}"/> elements flush against an
    /// inaccessible page: a packed panel written, or read, one element past the buffer faults at once.
    /// </summary>
    private static void GuardedCheck<T>(int m, int n, int k, bool transposeA, bool transposeB, bool rowPanelsInPlace)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(m + n + k);
        int aRows = transposeA ? k : m, aCols = transposeA ? m : k;
        int bRows = transposeB ? n : k, bCols = transposeB ? k : n;
        T[] a = Fill<T>(random, aRows * aCols);
        T[] b = Fill<T>(random, bRows * bCols);
        T[] c = new T[m * n];
        long length = GemmBlocking.PackingLength<T>(k, n);
        using var pages = new ProtectedPages(length * sizeof(T));
        T* panels = (T*)pages.End - length;
        PackedGemm.Multiply(
            new ReadOnlySpan2D<T>(a, aRows, aCols), transposeA ? Operand.Transposed : Operand.AsIs, new ReadOnlySpan2D<T>(b, bRows, bCols),
            transposeB ? Operand.Transposed : Operand.AsIs, new Span2D<T>(c, m, n), T.Zero, panels, length, default, PackedGemm.ReadsTransposedPanelsInPlace, rowPanelsInPlace);

        // One row and one column of C against the reference, enough to see that the blocks were walked whole.
        double eps = typeof(T) == typeof(float) ? 1.0 / (1 << 24) : 1.0 / (1L << 53);
        foreach ((int i, int j) in Enumerable.Range(0, n).Select(j => (m - 1, j)).Concat(Enumerable.Range(0, m).Select(i => (i, n - 1))))
        {
            double sum = 0, magnitude = 0;
            for (int p = 0; p < k; p++)
            {
                double product = double.CreateChecked(transposeA ? a[(p * m) + i] : a[(i * k) + p]) * double.CreateChecked(transposeB ? b[(j * k) + p] : b[(p * n) + j]);
                sum += product;
                magnitude += Math.Abs(product);
            }

            Assert.True(Math.Abs(double.CreateChecked(c[(i * n) + j]) - sum) <= 2 * k * eps * magnitude, $"{typeof(T).Name} {m}x{n}x{k}: C[{i}, {j}]");
        }
    }

    private static void Check<T>(int m, int n, int k, bool transposeA, bool transposeB, T beta, int seed, bool transposedPanelsInPlace, bool rowPanelsInPlace)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(seed);
        int aRows = transposeA ? k : m, aCols = transposeA ? m : k;
        int bRows = transposeB ? n : k, bCols = transposeB ? k : n;
        const int pitch = 3; // every operand is a strided view with a gap after each row
        T[] a = Fill<T>(random, aRows * (aCols + pitch));
        T[] b = Fill<T>(random, bRows * (bCols + pitch));
        int guard = 40;
        T[] c = Fill<T>(random, (m * (n + pitch)) + guard);
        T[] original = (T[])c.Clone();
        var aView = new ReadOnlySpan2D<T>(a, 0, aRows, aCols, pitch);
        var bView = new ReadOnlySpan2D<T>(b, 0, bRows, bCols, pitch);
        var cView = new Span2D<T>(c, 0, m, n, pitch);

        // The panels are used through the span, which keeps the buffer alive (and fixed) for the whole call.
        var packing = new AlignedBuffer<T>(GemmBlocking.PackingLength<T>(k, n));
        fixed (T* panels = packing.Span)
        {
            PackedGemm.Multiply(
                aView, transposeA ? Operand.Transposed : Operand.AsIs, bView, transposeB ? Operand.Transposed : Operand.AsIs, cView, beta, panels, packing.Length, default, transposedPanelsInPlace, rowPanelsInPlace);
        }

        double eps = typeof(T) == typeof(float) ? 1.0 / (1 << 24) : 1.0 / (1L << 53);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double sum = 0, magnitude = 0;
                for (int p = 0; p < k; p++)
                {
                    double x = double.CreateChecked(transposeA ? aView[p, i] : aView[i, p]);
                    double y = double.CreateChecked(transposeB ? bView[j, p] : bView[p, j]);
                    sum += x * y;
                    magnitude += Math.Abs(x * y);
                }

                double previous = double.CreateChecked(original[(i * (n + pitch)) + j]);
                double expected = sum + (double.CreateChecked(beta) * previous);
                magnitude += Math.Abs(double.CreateChecked(beta) * previous);
                double actual = double.CreateChecked(cView[i, j]);
                double bound = 2 * (k + 2) * eps * magnitude;
                Assert.True(Math.Abs(actual - expected) <= bound, $"C[{i},{j}] = {actual}, expected {expected} (bound {bound})");
            }

            // The pitch gap after row i is untouched.
            for (int g = 0; g < pitch; g++)
            {
                int index = (i * (n + pitch)) + n + g;
                Assert.Equal(original[index], c[index]);
            }
        }

        for (int index = m * (n + pitch); index < c.Length; index++)
        {
            Assert.Equal(original[index], c[index]);
        }
    }

    private static T[] Fill<T>(Random random, int length)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Enumerable.Range(0, length).Select(_ => T.CreateChecked((random.NextDouble() * 2) - 1)).ToArray();

    [Fact]
    public void Beta_zero_ignores_nan_in_c_and_nan_in_a_propagates()
    {
        const int m = 20, n = 40, k = 9;
        float[] a = Enumerable.Range(0, m * k).Select(i => (float)(i % 5) - 2).ToArray();
        float[] b = Enumerable.Range(0, k * n).Select(i => (float)(i % 3) - 1).ToArray();
        float[] c = Enumerable.Repeat(float.NaN, m * n).ToArray();
        var packing = new AlignedBuffer<float>(GemmBlocking.PackingLength<float>(k, n));
        fixed (float* panels = packing.Span)
        {
            PackedGemm.Multiply(new ReadOnlySpan2D<float>(a, m, k), Operand.AsIs, new ReadOnlySpan2D<float>(b, k, n), Operand.AsIs, new Span2D<float>(c, m, n), 0f, panels, packing.Length);
        }

        Assert.All(c, value => Assert.False(float.IsNaN(value)));

        a[(3 * k) + 4] = float.NaN; // row 3 of C becomes NaN, every other row stays finite
        fixed (float* panels = packing.Span)
        {
            PackedGemm.Multiply(new ReadOnlySpan2D<float>(a, m, k), Operand.AsIs, new ReadOnlySpan2D<float>(b, k, n), Operand.AsIs, new Span2D<float>(c, m, n), 0f, panels, packing.Length);
        }

        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                Assert.Equal(i == 3, float.IsNaN(c[(i * n) + j]));
            }
        }
    }
}
