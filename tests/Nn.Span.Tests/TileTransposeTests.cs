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
        if (!System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
        {
            return; // the copy is only called on AVX-512 hardware
        }

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

    [Fact]
    public void Panel_pair_holds_the_sixteen_rows_in_two_panels_and_nothing_else()
    {
        if (!System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
        {
            return;
        }

        var random = new Random(1619);
        foreach (int depth in new[] { 1, 2, 15, 16, 17, 33, 40 })
        {
            const int gap = 3, guard = 29;
            int stride = depth + gap;
            float[] source = Enumerable.Range(0, (16 * stride) + guard).Select(_ => (float)random.NextDouble()).ToArray();
            float[] sourceBefore = (float[])source.Clone();
            float[] panels = Enumerable.Repeat(-7f, (16 * depth) + guard).ToArray();

            fixed (float* from = source)
            fixed (float* to = panels)
            {
                TileTranspose.CopyPanelPair(from, stride, depth, to, to + (8 * depth));
            }

            Assert.Equal(sourceBefore, source);
            for (int i = 0; i < panels.Length; i++)
            {
                int panel = i / (8 * depth), p = (i % (8 * depth)) / 8, r = i % 8;
                float expected = panel < 2 ? source[(((8 * panel) + r) * stride) + p] : -7f;
                Assert.True(expected.Equals(panels[i]), $"depth {depth}: panels[{i}] = {panels[i]}, expected {expected}");
            }
        }
    }
}
