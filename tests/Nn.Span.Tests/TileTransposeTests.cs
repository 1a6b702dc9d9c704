namespace Nn.Span.Tests;

/// <summary>
/// The sixteen-by-sixteen register transpose that turns operands on their side: every element lands in its place, and
/// nothing around the destination block (the gap after each row, the elements after the last row) is written.
/// </summary>
public sealed unsafe class TileTransposeTests
{
    private static readonly int[] Sizes = [0, 1, 2, 7, 15, 16, 17, 31, 32, 33, 40];

    [Fact]
    public void Copy_writes_the_transpose_and_nothing_else()
    {
        Assert.SkipUnless(System.Runtime.Intrinsics.X86.Avx512F.IsSupported, "The copy is only called on AVX-512 hardware.");

        var random = new Random(1601);
        foreach (int rows in Sizes)
        {
            foreach (int columns in Sizes)
            {
                const int sourceGap = 3, destinationGap = 5, guard = 37;
                int sourceStride = columns + sourceGap;
                int destinationStride = rows + destinationGap;
                float[] source = Enumerable.Range(0, (rows * sourceStride) + guard).Select(_ => (float)random.NextDouble()).ToArray();
                float[] sourceBefore = (float[])source.Clone();
                float[] destination = Enumerable.Repeat(-7f, (columns * destinationStride) + guard).ToArray();

                fixed (float* from = source)
                fixed (float* to = destination)
                {
                    TileTranspose.Copy(from, sourceStride, rows, columns, to, destinationStride);
                }

                Assert.Equal(sourceBefore, source);
                for (int i = 0; i < destination.Length; i++)
                {
                    int q = i / destinationStride, r = i % destinationStride;
                    float expected = q < columns && r < rows ? source[(r * sourceStride) + q] : -7f;
                    Assert.True(expected.Equals(destination[i]), $"{rows} x {columns}: destination[{i}] = {destination[i]}, expected {expected}");
                }
            }
        }
    }

    [Theory]
    [InlineData(12)]
    [InlineData(8)]
    public void Panel_holds_its_rows_and_nothing_else(int height)
    {
        Assert.SkipUnless(System.Runtime.Intrinsics.X86.Avx512F.IsSupported, "The panels of 12 and 8 rows are only packed on AVX-512 hardware.");

        var random = new Random(1619 + height);
        foreach (int depth in new[] { 1, 2, 15, 16, 17, 33, 40, 48, 512 })
        {
            // The rows after the panel's hold NaN: the panel must not read them.
            const int gap = 3, guard = 29;
            int stride = depth + gap;
            float[] source = Enumerable.Range(0, (16 * stride) + guard).Select(i => i < height * stride ? (float)random.NextDouble() : float.NaN).ToArray();
            float[] sourceBefore = (float[])source.Clone();
            float[] panel = Enumerable.Repeat(-7f, (height * depth) + guard).ToArray();

            fixed (float* from = source)
            fixed (float* to = panel)
            {
                TileTranspose.CopyPanel(from, stride, depth, to, height);
            }

            Assert.Equal(sourceBefore, source);
            for (int i = 0; i < panel.Length; i++)
            {
                int p = i / height, r = i % height;
                float expected = p < depth ? source[(r * stride) + p] : -7f;
                Assert.True(expected.Equals(panel[i]), $"height {height}, depth {depth}: panel[{i}] = {panel[i]}, expected {expected}");
            }
        }
    }
}
