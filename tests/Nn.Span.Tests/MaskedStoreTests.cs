using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Span.Tests;

/// <summary>
/// The masked store that splits windows crossing a page boundary: at every float offset from 80 before a boundary to
/// 16 after it, for prefix masks of every length and for scattered masks, exactly the masked lanes are written.
/// </summary>
public sealed unsafe class MaskedStoreTests
{
    [Fact]
    public void Stores_exactly_the_masked_lanes_at_every_offset_around_a_page_boundary()
    {
        if (!Avx512F.IsSupported)
        {
            return;
        }

        const int Page = 4096;
        const int Floats = 3 * Page / sizeof(float);
        float* memory = (float*)NativeMemory.AlignedAlloc(3 * Page, Page);
        try
        {
            Vector512<float> value = Vector512.Create(1f, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
            var masks = new List<int>();
            for (int count = 0; count <= 16; count++)
            {
                masks.Add((1 << count) - 1); // the first count lanes
            }

            masks.AddRange([0b1010_1010_1010_1010, 0b1000_0000_0000_0001, 0b0000_0001_1000_0000, 0xF0F0, 0x8000]);
            int boundary = Page / sizeof(float) * 2; // the second boundary, with a page of room on each side
            for (int offset = -80; offset <= 16; offset++)
            {
                foreach (int bits in masks)
                {
                    new Span<float>(memory, Floats).Fill(-1f);
                    Vector512<float> mask = Vector512.Equals(
                        Vector512.Create(bits) & Vector512.Create(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768),
                        Vector512<int>.Zero).AsSingle();
                    mask = ~mask;

                    MaskedStore.Store(memory + boundary + offset, mask, value);

                    for (int i = 0; i < Floats; i++)
                    {
                        int lane = i - (boundary + offset);
                        float expected = lane is >= 0 and < 16 && (bits & (1 << lane)) != 0 ? lane + 1 : -1f;
                        Assert.True(expected == memory[i], $"offset {offset}, mask {bits:X4}: element {i - boundary} of the boundary is {memory[i]}, expected {expected}");
                    }
                }
            }
        }
        finally
        {
            NativeMemory.AlignedFree(memory);
        }
    }
}
