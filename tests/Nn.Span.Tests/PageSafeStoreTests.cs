using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Span.Tests;

/// <summary>
/// The masked store that splits at a page boundary: at every float position whose 64 bytes reach into the next page
/// (and a few that do not), with every prefix mask and scattered masks, exactly the masked-in lanes are written and
/// nothing else, not even past an inaccessible page.
/// </summary>
public sealed unsafe class PageSafeStoreTests
{
    private const int Page = 4096;

    public static TheoryData<int> Offsets()
    {
        // Byte offsets of the store within a page: 4032 is the last one that does not cross; 4092 has one lane left.
        var data = new TheoryData<int>();
        for (int offset = 4000; offset < Page; offset += sizeof(float))
        {
            data.Add(offset);
        }

        data.Add(0);
        data.Add(1000);
        return data;
    }

    [Theory]
    [MemberData(nameof(Offsets))]
    public void Writes_exactly_the_masked_lanes_across_a_page_boundary(int offset)
    {
        Assert.SkipUnless(Avx512F.IsSupported, "AVX-512 stores.");
        const int Length = 3 * Page / sizeof(float);
        float[] memory = GC.AllocateArray<float>(Length + (Page / sizeof(float)), pinned: true);
        fixed (float* pinned = memory)
        {
            // A page-aligned window of three pages; the store starts in the first one.
            float* window = (float*)(((nint)pinned + Page - 1) & ~(nint)(Page - 1));
            float* address = (float*)((byte*)window + offset);
            var value = Vector512.Create(100f) + Vector512.ConvertToSingle(Vector512<int>.Indices);
            foreach (Vector512<float> mask in Masks())
            {
                new Span<float>(window, Length).Fill(-1f);
                PageSafeStore.Store(address, mask, value);
                for (int i = 0; i < Length; i++)
                {
                    long lane = (window + i) - address;
                    bool written = lane is >= 0 and < 16 && float.IsNegative(mask[(int)lane]);
                    float expected = written ? 100f + lane : -1f;
                    Assert.True(expected == window[i], $"offset {offset}, mask {MaskBits(mask):X4}: element {i} (lane {lane}) is {window[i]}, expected {expected}");
                }
            }
        }
    }

    [Fact]
    public void A_store_ending_at_an_inaccessible_page_writes_its_lanes_and_does_not_fault()
    {
        Assert.SkipUnless(Avx512F.IsSupported && ProtectedPages.Available, "AVX-512 stores; inaccessible pages are made with mmap, on Linux.");
        using var pages = new ProtectedPages(Page);
        var value = Vector512.ConvertToSingle(Vector512<int>.Indices) + Vector512.Create(1f);
        for (int active = 0; active <= 16; active++)
        {
            // The active lanes end exactly at the inaccessible page; the rest of the vector lies in it.
            float* address = (float*)pages.End - active;
            new Span<float>(pages.Start, Page / sizeof(float)).Fill(-1f);
            PageSafeStore.Store(address, Prefix(active), value);
            for (int lane = 0; lane < active; lane++)
            {
                Assert.Equal(lane + 1f, address[lane]);
            }

            Assert.Equal(-1f, ((float*)pages.End)[-active - 1]);
        }
    }

    [Fact]
    public void A_misaligned_address_across_a_boundary_still_stores_the_masked_lanes()
    {
        Assert.SkipUnless(Avx512F.IsSupported, "AVX-512 stores.");
        byte[] memory = GC.AllocateArray<byte>(3 * Page, pinned: true);
        fixed (byte* pinned = memory)
        {
            byte* window = (byte*)(((nint)pinned + Page - 1) & ~(nint)(Page - 1));
            float* address = (float*)(window + Page - 30); // 7.5 floats before the boundary
            var value = Vector512.ConvertToSingle(Vector512<int>.Indices);
            new Span<byte>(window, 2 * Page).Fill(0xFF);
            PageSafeStore.Store(address, Prefix(11), value);
            for (int lane = 0; lane < 11; lane++)
            {
                Assert.Equal((float)lane, Unsafe.ReadUnaligned<float>((byte*)address + (lane * sizeof(float))));
            }

            Assert.Equal(0xFF, ((byte*)address)[11 * sizeof(float)]);
        }
    }

    private static IEnumerable<Vector512<float>> Masks()
    {
        for (int active = 0; active <= 16; active++)
        {
            yield return Prefix(active);
        }

        // Scattered lanes: alternate, the ends only, one lane in the middle.
        foreach (int bits in new[] { 0x5555, 0xAAAA, 0x8001, 0x0100, 0xF00F })
        {
            var lanes = new int[16];
            for (int lane = 0; lane < 16; lane++)
            {
                lanes[lane] = (bits >> lane & 1) != 0 ? -1 : 0;
            }

            yield return Vector512.Create(lanes).AsSingle();
        }
    }

    private static Vector512<float> Prefix(int active) =>
        Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(active)).AsSingle();

    private static int MaskBits(Vector512<float> mask)
    {
        int bits = 0;
        for (int lane = 0; lane < 16; lane++)
        {
            bits |= float.IsNegative(mask[lane]) ? 1 << lane : 0;
        }

        return bits;
    }
}
