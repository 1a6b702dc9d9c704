using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nn.Span;

/// <summary>Lane masks for the masked loads and stores of the AVX-512 and AVX2 kernels.</summary>
internal static class LaneMask
{
    /// <summary>All-ones lanes for the first <paramref name="count"/> (clamped to 0..16) lanes, zero lanes after them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> First(int count) =>
        Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();

    /// <summary>All-ones lanes for the first <paramref name="count"/> (clamped to 0..8) of 8 lanes, zero lanes after them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> First256(int count) =>
        Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(count)).AsSingle();
}
