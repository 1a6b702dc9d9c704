namespace Nn.Span.Tests;

/// <summary>
/// <see cref="CacheLine.Align{T}"/>: the first 64-byte boundary at or after the address, never past 63 bytes.
/// <see cref="CacheLine.RequestRows{T}"/>: hints only, which neither fault nor write, even where the lines they name lie
/// past the rows' memory.
/// </summary>
public sealed unsafe class CacheLineTests
{
    [Fact]
    public void Align_returns_the_first_64_byte_boundary_at_or_after_the_address()
    {
        float* memory = stackalloc float[64];
        for (int offset = 0; offset < 32; offset++)
        {
            float* start = memory + offset;
            float* aligned = CacheLine.Align(start);
            Assert.Equal(0, (nint)aligned % CacheLine.Bytes);
            Assert.InRange((nint)aligned - (nint)start, 0, CacheLine.Bytes - sizeof(float));
        }

        // Bytes and vectors too: an aligned address stays where it is.
        byte* bytes = stackalloc byte[256];
        byte* first = CacheLine.Align(bytes);
        Assert.True(first == CacheLine.Align(first));
        Assert.True(CacheLine.Align(first + 1) == first + CacheLine.Bytes);
    }

    [Fact]
    public void RequestRows_neither_faults_nor_writes_next_to_inaccessible_pages()
    {
        Assert.SkipUnless(ProtectedPages.Available, "Inaccessible pages need mmap (Linux).");

        // Rows of 1, 7, 16 and 32 floats (and 16 doubles), the last row flush against the end of the accessible pages:
        // each row names the line 64 bytes past its first element, which for the last narrow row is on the next page.
        foreach (int columns in new[] { 1, 7, 16, 32 })
        {
            const int rows = 12, stride = 40;
            float[] values = Enumerable.Range(0, ((rows - 1) * stride) + columns).Select(i => (float)i).ToArray();
            using var pages = new ProtectedPages(values.Length * sizeof(float));
            Span<float> placed = pages.Place<float>(values, atEnd: true);
            fixed (float* first = placed)
            {
                CacheLine.RequestRows(first, stride, rows, columns);
            }

            Assert.Equal(values, placed.ToArray());
        }

        double[] doubles = Enumerable.Range(0, 16).Select(i => (double)i).ToArray();
        using var doublePages = new ProtectedPages(doubles.Length * sizeof(double));
        Span<double> placedDoubles = doublePages.Place<double>(doubles, atEnd: true);
        fixed (double* first = placedDoubles)
        {
            CacheLine.RequestRows(first, 16, 1, 16);
        }

        Assert.Equal(doubles, placedDoubles.ToArray());
    }
}
