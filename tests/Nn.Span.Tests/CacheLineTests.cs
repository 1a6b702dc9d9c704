namespace Nn.Span.Tests;

/// <summary><see cref="CacheLine.Align{T}"/>: the first 64-byte boundary at or after the address, never past 63 bytes.</summary>
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
}
