using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nn.Span;

/// <summary>Lane masks for the masked loads and stores of the AVX-512 kernels.</summary>
internal static class LaneMask
{
    /// <summary>All-ones lanes for the first <paramref name="count"/> (clamped to 0..16) lanes, zero lanes after them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> First(int count) =>
        Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(count)).AsSingle();
}
