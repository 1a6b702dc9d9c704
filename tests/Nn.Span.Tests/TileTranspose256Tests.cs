namespace Nn.Span.Tests;

/// <summary>
/// The eight-by-eight AVX register transpose that packs the AVX2 kernel's operands: the first 4, 6 or 8 lanes of each
/// column land in place, rows past the block are zeros, and nothing around each destination step (the gap after it, the
/// elements after the last one) is written; the source is only read. The full-panel form (6 or 4 whole rows) reads
/// nothing past its rows, even with the block flush against an inaccessible page; so does the eight-row form, which
/// writes only the first eight elements of each step.
/// </summary>
public sealed unsafe class TileTranspose256Tests
{
    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    [InlineData(8)]
    public void Copy_writes_the_first_lanes_of_each_column_and_nothing_else(int height)
    {
        Assert.SkipUnless(System.Runtime.Intrinsics.X86.Avx2.IsSupported, "The transpose needs AVX2.");
        var random = new Random(1723 + height);
        foreach (int depth in new[] { 0, 1, 2, 7, 8, 9, 15, 16, 17, 31, 40 })
        {
            for (int rows = 0; rows <= height; rows++)
            {
                const int sourceGap = 3, destinationGap = 5, guard = 37;
                int sourceStride = depth + sourceGap;
                int destinationStride = height + destinationGap;
                float[] source = Enumerable.Range(0, (rows * sourceStride) + guard).Select(_ => (float)random.NextDouble()).ToArray();
                float[] sourceBefore = (float[])source.Clone();
                float[] destination = Enumerable.Repeat(-7f, (depth * destinationStride) + guard).ToArray();

                fixed (float* from = source)
                fixed (float* to = destination)
                {
                    TileTranspose256.Copy(from, sourceStride, rows, depth, to, destinationStride, height);
                }

                Assert.Equal(sourceBefore, source);
                for (int i = 0; i < destination.Length; i++)
                {
                    // destination[p * stride + r] = source[r, p] for r < rows, 0 up to the height, untouched after it.
                    int p = i / destinationStride, r = i % destinationStride;
                    float expected = p >= depth || r >= height ? -7f : r < rows ? source[(r * sourceStride) + p] : 0f;
                    Assert.True(expected.Equals(destination[i]), $"height {height}, {rows} rows, depth {depth}: destination[{i}] = {destination[i]}, expected {expected}");
                }
            }
        }
    }

    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    public void CopyFullPanel_writes_each_step_of_the_panel_and_reads_only_its_rows(int height) =>
        CheckWholeRows(height, height, 3301 + height, (from, sourceStride, depth, to) => TileTranspose256.CopyFullPanel(from, sourceStride, depth, to, height));

    [Fact]
    public void CopyEightRows_writes_each_step_of_the_block_and_reads_only_its_rows() =>
        // The destination steps 16 apart, as in a B panel of two blocks: the second half of each step stays untouched.
        CheckWholeRows(TileTranspose256.Size, 16, 4409, (from, sourceStride, depth, to) => TileTranspose256.CopyEightRows(from, sourceStride, depth, to, 16));

    /// <summary>A transpose of <c>height</c> whole rows into steps <c>destinationStride</c> apart.</summary>
    private delegate void WholeRowsCopy(float* source, nint sourceStride, int depth, float* destination);

    /// <summary>
    /// Checks destination[p * destinationStride + r] = source[r, p] for r &lt; <paramref name="height"/> over depths
    /// 0..40, 63, 64, 65, 272 and 512, every other element of the destination untouched (a sentinel), and the source
    /// only read. Its rows have a pitch whose gaps hold NaN, and the block lies flush against an inaccessible page
    /// (after its last element, and before its first), so that a read one element too far faults.
    /// </summary>
    private static void CheckWholeRows(int height, int destinationStride, int seed, WholeRowsCopy copy)
    {
        Assert.SkipUnless(System.Runtime.Intrinsics.X86.Avx2.IsSupported, "The transpose needs AVX2.");
        Assert.SkipUnless(ProtectedPages.Available, "Inaccessible pages are made with mmap, on Linux.");
        var random = new Random(seed);
        int[] depths = [.. Enumerable.Range(0, 41), 63, 64, 65, 272, 512];
        foreach (int depth in depths)
        {
            foreach (bool atEnd in new[] { true, false })
            {
                const int sourceGap = 3, guard = 37;
                int sourceStride = depth + sourceGap;
                float[] values = new float[((height - 1) * sourceStride) + depth];
                for (int i = 0; i < values.Length; i++)
                {
                    values[i] = i % sourceStride < depth ? (float)random.NextDouble() : float.NaN;
                }

                float[] destination = Enumerable.Repeat(-7f, (depth * destinationStride) + guard).ToArray();
                using var pages = new ProtectedPages((long)values.Length * sizeof(float));
                Span<float> source = pages.Place<float>(values, atEnd);
                fixed (float* from = source)
                fixed (float* to = destination)
                {
                    copy(from, sourceStride, depth, to);
                }

                Assert.Equal(values, source.ToArray());
                for (int i = 0; i < destination.Length; i++)
                {
                    int p = i / destinationStride, r = i % destinationStride;
                    float expected = p < depth && r < height ? values[(r * sourceStride) + p] : -7f;
                    Assert.True(expected.Equals(destination[i]), $"height {height}, depth {depth}: destination[{i}] = {destination[i]}, expected {expected}");
                }
            }
        }
    }
}
