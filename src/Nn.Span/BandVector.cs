using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Span;

/// <summary>
/// The accumulator of one row of C in the direct product's bands and tiles for a narrow C: <see cref="Vector512{T}"/>
/// of float for 9 to 16 columns, <see cref="Vector256{T}"/> of float for at most 8. A row of at most 8 columns fills
/// half of a Vector512 at best, and where the core splits each 512-bit multiply-add in two 256-bit halves (AMD Zen 4), a 256-bit
/// accumulator does the same row's work in half the multiply-add slots; cores with 512-bit units run either width at
/// the same rate. The kernels' code is written once, over a type parameter that the methods below turn into
/// the one instruction of its width.
/// </summary>
internal static unsafe class BandVector
{
    /// <summary>
    /// The lanes of a row of B that <paramref name="mask"/> keeps (zeros elsewhere), read at the accumulator's width: a
    /// 256-bit masked load for at most 8 columns. On an AMD Zen 4 core, reading the row with a 512-bit masked load and
    /// keeping its lower half made the public 20 x 10 x 5 product about 4% slower (70 against 67 ns a call, interleaved);
    /// the 64-byte load of a short row spans two cache lines more often than the 32-byte one.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector LoadRow<TVector>(float* row, Vector512<float> mask)
    {
        if (typeof(TVector) == typeof(Vector256<float>))
        {
            return (TVector)(object)Avx512F.VL.MaskLoad(row, mask.GetLower(), Vector256<float>.Zero);
        }

        return (TVector)(object)Avx512F.MaskLoad(row, mask, Vector512<float>.Zero);
    }

    /// <summary>c + a b, with the scalar <paramref name="a"/> read from memory and broadcast to every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVector MultiplyAdd<TVector>(float* a, TVector b, TVector c)
    {
        if (typeof(TVector) == typeof(Vector256<float>))
        {
            return (TVector)(object)Vector256.FusedMultiplyAdd(Vector256.Create(*a), (Vector256<float>)(object)b!, (Vector256<float>)(object)c!);
        }

        return (TVector)(object)Vector512.FusedMultiplyAdd(Vector512.Create(*a), (Vector512<float>)(object)b!, (Vector512<float>)(object)c!);
    }

    /// <summary>The accumulator as a Vector512 for the row's store; a 256-bit one in the lower half, zeros above.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Widen<TVector>(TVector value)
    {
        if (typeof(TVector) == typeof(Vector256<float>))
        {
            return ((Vector256<float>)(object)value!).ToVector512();
        }

        return (Vector512<float>)(object)value!;
    }
}
