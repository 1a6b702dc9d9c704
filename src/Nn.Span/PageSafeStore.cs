using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Span;

/// <summary>
/// Masked Vector512 stores whose 64 bytes never span two 4 KiB pages. A masked store that does span a page boundary
/// took twice as long as one that does not (about 15 more cycles on Zen 5), even when every lane past the boundary was
/// masked off; masked loads showed no such cost. A short row of C or of a softmax tile lands across a boundary every so
/// often (a 20 x 5 product's C did one time in ten, and then ran about 25% slower), so a store near a boundary is split
/// in two at it. Used by the direct product's row stores, where a small C is all the work; the softmax tiles keep plain
/// masked stores (with the split there, the fused loss of 256 x 10 measured slower, not faster).
/// </summary>
internal static unsafe class PageSafeStore
{
    private const int PageBytes = 4096;
    private const int VectorBytes = 64;

    /// <summary>Stores the lanes of <paramref name="value"/> whose <paramref name="mask"/> lane is negative (all ones), as <see cref="Avx512F.MaskStore(float*, Vector512{float}, Vector512{float})"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float* address, Vector512<float> mask, Vector512<float> value)
    {
        if (((nint)address & (PageBytes - 1)) <= PageBytes - VectorBytes)
        {
            Avx512F.MaskStore(address, mask, value);
            return;
        }

        StoreAcrossBoundary(address, mask, value);
    }

    /// <summary>
    /// As <see cref="Store"/> for a row of at most 8 floats (<paramref name="mask"/> clear past lane 7): one 256-bit
    /// masked store of the lower half, which spans 32 bytes. A 512-bit store takes two store cycles on cores that split
    /// it in 256-bit halves (AMD Zen 4), and a masked one whose 64 bytes span two cache lines about 3.3; the 256-bit
    /// one takes about 1.3 there (informal loop of 48 row stores: 16 ns against 43 ns).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreLowerHalf(float* address, Vector512<float> mask, Vector512<float> value)
    {
        if (((nint)address & (PageBytes - 1)) <= PageBytes - (VectorBytes / 2))
        {
            Avx512F.VL.MaskStore(address, mask.GetLower(), value.GetLower());
            return;
        }

        // Across a page boundary, the split of the 512-bit store writes the same lanes.
        StoreAcrossBoundary(address, mask, value);
    }

    /// <summary>
    /// The 64 bytes at <paramref name="address"/> cross a page boundary: lanes [0, before) lie in the first page and
    /// lanes [before, 16) in the next. Each part is stored from a vector that lies within its page: the first ends at
    /// the boundary, the second starts there.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreAcrossBoundary(float* address, Vector512<float> mask, Vector512<float> value)
    {
        if (((nint)address & (sizeof(float) - 1)) != 0)
        {
            // A float straddles the boundary, so no split between lanes exists: store as is (correct, only slower).
            Avx512F.MaskStore(address, mask, value);
            return;
        }

        float* boundary = (float*)(((nint)address + VectorBytes) & ~(nint)(PageBytes - 1));
        int before = (int)(boundary - address);
        Vector512<int> lanes = Vector512<int>.Indices;

        // First part, stored at boundary - 16: its lane j is lane j - (16 - before) of the value.
        Vector512<int> fromFirst = lanes - Vector512.Create(Vector512<float>.Count - before);
        Vector512<float> firstMask = Avx512F.PermuteVar16x32(mask, fromFirst) & Vector512.GreaterThanOrEqual(fromFirst, Vector512<int>.Zero).AsSingle();
        Avx512F.MaskStore(boundary - Vector512<float>.Count, firstMask, Avx512F.PermuteVar16x32(value, fromFirst));

        // Second part, stored at the boundary: its lane j is lane j + before of the value.
        Vector512<int> fromSecond = lanes + Vector512.Create(before);
        Vector512<float> secondMask = Avx512F.PermuteVar16x32(mask, fromSecond) & Vector512.LessThan(fromSecond, Vector512.Create(Vector512<float>.Count)).AsSingle();
        Avx512F.MaskStore(boundary, secondMask, Avx512F.PermuteVar16x32(value, fromSecond));
    }
}
