using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Span;

/// <summary>
/// A masked 16-lane store for part-filled vectors that is split at a page boundary. A masked store whose 64-byte
/// window crosses a 4 KiB page boundary costs tens of cycles on this hardware, even when every lane past the boundary
/// is masked off (measured: the 20 x 10 x 5 product took 70 ns instead of 54 when C, 400 bytes, lay across a page
/// boundary; masked loads showed no such cost). Such a store becomes two masked stores, through windows that end and
/// start at the boundary. The direct product's row stores use it; the short-row softmax tiles measured slower with
/// the extra test per row (1.25 against 1.18 us for 256 x 10) and keep the plain masked store.
/// </summary>
internal static unsafe class MaskedStore
{
    private const int PageBytes = 4096;
    private const int WindowBytes = 64;

    /// <summary>destination[i] = value[i] for the lanes i set in <paramref name="mask"/>; nothing else is written.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float* destination, Vector512<float> mask, Vector512<float> value)
    {
        if (((nint)destination & (PageBytes - 1)) <= PageBytes - WindowBytes)
        {
            Avx512F.MaskStore(destination, mask, value);
            return;
        }

        StoreAcrossPage(destination, mask, value);
    }

    /// <summary>
    /// The window [destination, destination + 16) crosses a page boundary after its first q lanes. Both parts are
    /// stored from the vector turned by q lanes (window lane j holds value lane (j + q) mod 16): lanes 0..q-1 through
    /// the window that ends at the boundary, lanes q..15 through the one that starts there.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreAcrossPage(float* destination, Vector512<float> mask, Vector512<float> value)
    {
        int beforeBoundary = (int)((PageBytes - ((nint)destination & (PageBytes - 1))) / sizeof(float));
        Vector512<int> turn = (Vector512<int>.Indices + Vector512.Create(beforeBoundary)) & Vector512.Create(Vector512<float>.Count - 1);
        Vector512<float> turnedValue = Avx512F.PermuteVar16x32(value, turn);
        Vector512<float> turnedMask = Avx512F.PermuteVar16x32(mask, turn);
        Vector512<float> endsAtBoundary = Vector512.GreaterThanOrEqual(Vector512<int>.Indices, Vector512.Create(Vector512<float>.Count - beforeBoundary)).AsSingle();
        Vector512<float> firstPart = turnedMask & endsAtBoundary;
        Vector512<float> secondPart = Vector512.AndNot(turnedMask, endsAtBoundary);
        if (firstPart.AsInt32() != Vector512<int>.Zero)
        {
            Avx512F.MaskStore(destination + beforeBoundary - Vector512<float>.Count, firstPart, turnedValue);
        }

        if (secondPart.AsInt32() != Vector512<int>.Zero)
        {
            Avx512F.MaskStore(destination + beforeBoundary, secondPart, turnedValue);
        }
    }
}
