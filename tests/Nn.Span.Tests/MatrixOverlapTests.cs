namespace Nn.Span.Tests;

/// <summary>
/// MatrixMemory.Overlap, which decides whether two strided views share an element: named cases, and random views of
/// one array against a brute-force comparison of the elements each view covers.
/// </summary>
/// <remarks>
/// Documented contract: Exact when both views start at the same element with the same row stride and width (an
/// in-place call); None when no element is shared, decided exactly when the row strides agree (a view of one row
/// has the stride of its width); for views with different strides, any overlap of the address ranges counts as
/// Partial, so an interleaving that shares no element may be rejected.
/// </remarks>
public sealed class MatrixOverlapTests
{
    private static readonly float[] Shared = new float[400];

    private static ReadOnlySpan2D<float> View(int offset, int height, int width, int pitch) =>
        new(Shared, offset, height, width, pitch);

    private static MatrixOverlap Overlap((int Offset, int Height, int Width, int Pitch) a, (int Offset, int Height, int Width, int Pitch) b) =>
        MatrixMemory.Overlap(View(a.Offset, a.Height, a.Width, a.Pitch), View(b.Offset, b.Height, b.Width, b.Pitch));

    [Fact]
    public void Views_of_different_arrays_or_empty_views_do_not_overlap()
    {
        float[] other = new float[64];
        Assert.Equal(MatrixOverlap.None, MatrixMemory.Overlap(View(0, 4, 4, 0), new ReadOnlySpan2D<float>(other, 0, 4, 4, 0)));
        Assert.Equal(MatrixOverlap.None, MatrixMemory.Overlap(View(0, 4, 4, 0), View(0, 0, 4, 0)));
        Assert.Equal(MatrixOverlap.None, MatrixMemory.Overlap(View(0, 4, 4, 0), View(0, 4, 0, 0)));
        Assert.Equal(MatrixOverlap.None, MatrixMemory.Overlap(ReadOnlySpan2D<float>.Empty, ReadOnlySpan2D<float>.Empty));
    }

    [Fact]
    public void Disjoint_ranges_of_one_array_do_not_overlap()
    {
        Assert.Equal(MatrixOverlap.None, Overlap((0, 3, 5, 2), (21, 3, 5, 2)));  // b starts after a's last row
        Assert.Equal(MatrixOverlap.None, Overlap((21, 3, 5, 2), (0, 3, 5, 2)));
        Assert.Equal(MatrixOverlap.None, Overlap((0, 1, 8, 0), (8, 1, 8, 0)));   // two adjacent single rows
        Assert.Equal(MatrixOverlap.None, Overlap((100, 2, 3, 40), (0, 2, 3, 40))); // different strides, far apart
    }

    [Fact]
    public void The_same_view_is_an_exact_overlap()
    {
        Assert.Equal(MatrixOverlap.Exact, Overlap((5, 3, 7, 2), (5, 3, 7, 2)));
        Assert.Equal(MatrixOverlap.Exact, Overlap((0, 1, 4, 0), (0, 1, 4, 0)));
        Assert.Equal(MatrixOverlap.Exact, Overlap((9, 4, 4, 0), (9, 4, 4, 0)));

        // Same start, stride and width: exact whatever the heights (shapes are checked separately).
        Assert.Equal(MatrixOverlap.Exact, Overlap((5, 3, 7, 2), (5, 2, 7, 2)));
    }

    [Fact]
    public void A_view_shifted_by_one_element_or_one_row_overlaps_partially()
    {
        Assert.Equal(MatrixOverlap.Partial, Overlap((0, 3, 5, 2), (1, 3, 5, 2)));
        Assert.Equal(MatrixOverlap.Partial, Overlap((1, 3, 5, 2), (0, 3, 5, 2)));
        Assert.Equal(MatrixOverlap.Partial, Overlap((0, 3, 5, 2), (7, 3, 5, 2)));   // one row down
        Assert.Equal(MatrixOverlap.Partial, Overlap((7, 3, 5, 2), (0, 3, 5, 2)));
        Assert.Equal(MatrixOverlap.Partial, Overlap((0, 1, 10, 0), (9, 1, 10, 0))); // single rows sharing one element
    }

    [Fact]
    public void Same_start_with_another_width_or_pitch_overlaps_partially()
    {
        Assert.Equal(MatrixOverlap.Partial, Overlap((0, 3, 5, 2), (0, 3, 4, 3)));  // same stride, narrower
        Assert.Equal(MatrixOverlap.Partial, Overlap((0, 3, 5, 2), (0, 3, 5, 3)));  // other pitch
        Assert.Equal(MatrixOverlap.Partial, Overlap((0, 3, 5, 2), (0, 1, 5, 0)));  // a's first row alone
    }

    [Fact]
    public void Two_column_blocks_of_one_matrix_do_not_overlap()
    {
        // A 6 x 10 matrix: columns 0..3 and 4..9, then 0..4 and 7..9 (a gap between the blocks).
        Assert.Equal(MatrixOverlap.None, Overlap((0, 6, 4, 6), (4, 6, 6, 4)));
        Assert.Equal(MatrixOverlap.None, Overlap((4, 6, 6, 4), (0, 6, 4, 6)));
        Assert.Equal(MatrixOverlap.None, Overlap((0, 6, 5, 5), (7, 6, 3, 7)));

        // Blocks with different heights but the same stride: rows 1..3 of the right block against all of the left.
        Assert.Equal(MatrixOverlap.None, Overlap((0, 6, 4, 6), (14, 3, 6, 4)));

        // Overlapping column ranges share elements.
        Assert.Equal(MatrixOverlap.Partial, Overlap((0, 6, 5, 5), (4, 6, 6, 4)));
    }

    [Fact]
    public void Adjacent_row_blocks_of_one_matrix_do_not_overlap()
    {
        // Rows 0..1 and rows 2..3 of a 4 x 5 matrix with pitch 3, and the same blocks one column narrower.
        Assert.Equal(MatrixOverlap.None, Overlap((0, 2, 5, 3), (16, 2, 5, 3)));
        Assert.Equal(MatrixOverlap.None, Overlap((16, 2, 5, 3), (0, 2, 5, 3)));
        Assert.Equal(MatrixOverlap.None, Overlap((1, 2, 4, 4), (16, 2, 5, 3)));
        Assert.Equal(MatrixOverlap.Partial, Overlap((0, 3, 5, 3), (16, 2, 5, 3)));  // three rows reach the other block
    }

    [Fact]
    public void A_row_that_wraps_into_the_next_row_of_the_other_view_is_decided_exactly()
    {
        // Stride 8. a covers columns 0..3 of rows 0..3; b starts at column 6 with width 4 and pitch 4, so each of
        // its rows covers columns 6, 7 of one row of a's frame and columns 0, 1 of the next.
        Assert.Equal(MatrixOverlap.Partial, Overlap((0, 4, 4, 4), (6, 2, 4, 4)));
        Assert.Equal(MatrixOverlap.Partial, Overlap((6, 2, 4, 4), (0, 4, 4, 4)));

        // a covering only columns 2..5 is missed by b's columns 6, 7 and 0, 1: no shared element.
        Assert.Equal(MatrixOverlap.None, Overlap((2, 4, 4, 4), (6, 2, 4, 4)));
        Assert.Equal(MatrixOverlap.None, Overlap((6, 2, 4, 4), (2, 4, 4, 4)));

        // b starting above a (rows 0, 1 against a's rows 2, 3): only the wrap of b's second row reaches a's first row.
        Assert.Equal(MatrixOverlap.Partial, Overlap((16, 2, 4, 4), (6, 2, 4, 4)));
        Assert.Equal(MatrixOverlap.None, Overlap((18, 2, 4, 4), (6, 2, 4, 4)));
    }

    [Fact]
    public void Views_with_different_strides_are_judged_by_their_address_ranges()
    {
        // Documented as conservative: a single row lying in a's pitch gap shares no element, but its stride (its
        // width) differs from a's, so the intersecting address ranges count as Partial.
        Assert.Equal(MatrixOverlap.Partial, Overlap((0, 3, 4, 4), (4, 1, 4, 0)));
        Assert.Equal(MatrixOverlap.Partial, Overlap((0, 3, 4, 4), (4, 2, 4, 12)));
    }

    [Fact]
    public void Random_views_agree_with_a_brute_force_element_comparison()
    {
        Compare<float>(501);
        Compare<double>(502);
    }

    private static void Compare<T>(int seed)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] array = new T[160];
        var random = new Random(seed);
        int conservative = 0, shared = 0, none = 0;
        for (int trial = 0; trial < 20000; trial++)
        {
            var a = RandomView(random, array.Length);
            var b = RandomView(random, array.Length);
            MatrixOverlap actual = MatrixMemory.Overlap(
                new ReadOnlySpan2D<T>(array, a.Offset, a.Height, a.Width, a.Pitch),
                new ReadOnlySpan2D<T>(array, b.Offset, b.Height, b.Width, b.Pitch));

            HashSet<int> elementsA = Elements(a);
            bool shares = Elements(b).Overlaps(elementsA);
            int strideA = a.Height < 2 ? a.Width : a.Width + a.Pitch;
            int strideB = b.Height < 2 ? b.Width : b.Width + b.Pitch;
            string context = $"a = (offset {a.Offset}, {a.Height} x {a.Width}, pitch {a.Pitch}), b = (offset {b.Offset}, {b.Height} x {b.Width}, pitch {b.Pitch})";
            if (shares)
            {
                shared++;
                bool exact = a.Offset == b.Offset && a.Width == b.Width && strideA == strideB;
                Assert.True(actual == (exact ? MatrixOverlap.Exact : MatrixOverlap.Partial), $"{context}: shared elements, got {actual}");
            }
            else if (strideA == strideB || (a.Height == 1 && b.Height == 1) || !RangesMeet(a, b))
            {
                none++;
                Assert.True(actual == MatrixOverlap.None, $"{context}: no shared element, got {actual}");
            }
            else
            {
                conservative++;
                Assert.True(actual != MatrixOverlap.Exact, $"{context}: no shared element, got {actual}");
            }
        }

        // The sample reaches every branch.
        Assert.True(shared > 1000 && none > 1000 && conservative > 100, $"shared {shared}, none {none}, conservative {conservative}");
    }

    private static (int Offset, int Height, int Width, int Pitch) RandomView(Random random, int length)
    {
        while (true)
        {
            int height = random.Next(0, 6), width = random.Next(0, 9), pitch = random.Next(0, 6);
            if (random.Next(4) == 0)
            {
                pitch = 0;
            }

            int extent = height == 0 ? 0 : ((height - 1) * (width + pitch)) + width;
            if (extent <= length / 3)
            {
                return (random.Next(0, (length / 3) - extent + 1), height, width, pitch);
            }
        }
    }

    private static HashSet<int> Elements((int Offset, int Height, int Width, int Pitch) v)
    {
        var set = new HashSet<int>();
        for (int i = 0; i < v.Height; i++)
        {
            for (int j = 0; j < v.Width; j++)
            {
                set.Add(v.Offset + (i * (v.Width + v.Pitch)) + j);
            }
        }

        return set;
    }

    private static bool RangesMeet((int Offset, int Height, int Width, int Pitch) a, (int Offset, int Height, int Width, int Pitch) b)
    {
        if (a.Height == 0 || a.Width == 0 || b.Height == 0 || b.Width == 0)
        {
            return false;
        }

        int endA = a.Offset + ((a.Height - 1) * (a.Width + a.Pitch)) + a.Width;
        int endB = b.Offset + ((b.Height - 1) * (b.Width + b.Pitch)) + b.Width;
        return a.Offset < endB && b.Offset < endA;
    }
}
