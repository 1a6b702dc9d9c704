using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Span;

/// <summary>
/// Stores of part of a Vector256 without a masked store: on AMD Zen cores a masked store is microcoded and costs
/// several times a plain one, so the AVX2 code writes a partial row in pieces of 4, 2 and 1 lanes instead.
/// </summary>
internal static unsafe class VectorPieces
{
    /// <summary>Writes the first <paramref name="count"/> (0..8) lanes of <paramref name="value"/> to destination[0 .. count - 1], nothing past them.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void StoreFirst(float* destination, Vector256<float> value, int count)
    {
        if (count >= Vector256<float>.Count)
        {
            value.Store(destination);
            return;
        }

        Vector128<float> part = value.GetLower();
        if (count >= 4)
        {
            part.Store(destination);
            part = value.GetUpper();
            destination += 4;
            count -= 4;
        }

        if (count >= 2)
        {
            Sse2.StoreScalar((long*)destination, part.AsInt64());
            part = Sse.MoveHighToLow(part, part);
            destination += 2;
            count -= 2;
        }

        if (count == 1)
        {
            Sse.StoreScalar(destination, part);
        }
    }
}
