using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using CommunityToolkit.HighPerformance;

namespace Nn.Span;

/// <summary>
/// Softmax and the fused loss for a float row of at most 16 logits (one Vector512, e.g. Dy = 10 classes): one masked
/// load, the maximum, e^(z - max) and its sum, one masked store, without a pass per step. Rows holding NaN or +Inf
/// take the general path, which handles their limits.
/// </summary>
internal static unsafe class ShortRowSoftmax
{
    /// <summary>Whether a row of <paramref name="length"/> logits runs here.</summary>
    public static bool Applies(int length) =>
        Avx512F.IsSupported && length > 0 && length <= Vector512<float>.Count;

    /// <summary>destination = softmax(z); false (nothing written) when the row holds NaN or +Inf.</summary>
    public static bool TrySoftmax(ReadOnlySpan<float> z, Span<float> destination)
    {
        Vector512<float> mask = LaneMask(z.Length);
        fixed (float* row = destination)
        {
            return TrySoftmax(Load(z, mask), mask, row);
        }
    }

    /// <summary>
    /// destination = softmax(z) for the row z already loaded (<see cref="LoadRow"/>), stored under
    /// <paramref name="mask"/>; false (nothing written) when the row holds NaN or +Inf.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TrySoftmax(Vector512<float> logits, Vector512<float> mask, float* destination)
    {
        Vector512<float> max = BroadcastMaximum(logits);
        if (!Usable(logits, max))
        {
            return false;
        }

        // y = e^(z - max) * (1 / sum)
        Vector512<float> e = ExpOfShifted(logits - max, mask);
        Avx512F.MaskStore(destination, mask, e * (Vector512<float>.One / BroadcastSum(e)));
        return true;
    }

    /// <summary>
    /// gradient = (softmax(z) - onehot(label)) * scale for the row z already loaded (<see cref="LoadRow"/>); returns the
    /// row's sum of e^(z - max) and sets <paramref name="shiftedLabel"/> = z[label] - max, so that the loss is
    /// log(sum) - shiftedLabel. Returns 0 (nothing written) when the row holds NaN or +Inf. gradient may be z's row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float TryLossAndGradient(Vector512<float> logits, Vector512<float> mask, int label, float scale, float* gradient, out float shiftedLabel)
    {
        Vector512<float> max = BroadcastMaximum(logits);
        if (!Usable(logits, max))
        {
            shiftedLabel = 0;
            return 0;
        }

        // The label's lane, moved to lane 0 by a permute rather than read back from memory.
        Vector512<float> shifted = logits - max;
        shiftedLabel = Avx512F.PermuteVar16x32(shifted, Vector512.Create(label)).ToScalar();
        Vector512<float> e = ExpOfShifted(shifted, mask);
        Vector512<float> sum = BroadcastSum(e);

        // g = e * (scale / sum) - scale [lane == label]
        Vector512<float> labelLane = Vector512.Equals(Vector512<int>.Indices, Vector512.Create(label)).AsSingle();
        Vector512<float> g = (e * (Vector512.Create(scale) / sum)) - (labelLane & Vector512.Create(scale));
        Avx512F.MaskStore(gradient, mask, g);
        return sum.ToScalar();
    }

    /// <summary>A row's lanes under <paramref name="mask"/> (<see cref="LaneMask"/>), -Inf past its end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LoadRow(float* row, Vector512<float> mask) =>
        Avx512F.MaskLoad(row, mask, Vector512.Create(float.NegativeInfinity));

    /// <summary>
    /// e^(z - max) in the row's lanes and 0 past its end. The lanes past the end (-Inf there) take the exponential of 0
    /// and are then cleared: e^-Inf would come out right, but an exponential that underflows costs a microcode assist on
    /// Intel cores (a single row of 10 took 110 ns that way, 27 ns this way).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ExpOfShifted(Vector512<float> shifted, Vector512<float> mask) =>
        FloatExponential.ExpOfNonPositive(shifted & mask) & mask;

    /// <summary>The largest lane, in every lane (a butterfly of in-register shuffles, no scalar round trip).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector512<float> BroadcastMaximum(Vector512<float> v)
    {
        v = Vector512.MaxNative(v, Vector512.Shuffle(v, Vector512.Create(8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7)));
        v = Vector512.MaxNative(v, Vector512.Shuffle(v, Vector512.Create(4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11)));
        v = Vector512.MaxNative(v, Vector512.Shuffle(v, Vector512.Create(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13)));
        return Vector512.MaxNative(v, Vector512.Shuffle(v, Vector512.Create(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14)));
    }

    /// <summary>The sum of the lanes, in every lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> BroadcastSum(Vector512<float> v)
    {
        v += Vector512.Shuffle(v, Vector512.Create(8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7));
        v += Vector512.Shuffle(v, Vector512.Create(4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11));
        v += Vector512.Shuffle(v, Vector512.Create(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13));
        return v + Vector512.Shuffle(v, Vector512.Create(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14));
    }

    /// <summary>False when a lane is NaN or the maximum is infinite (+Inf has a limit; a row of -Inf is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Usable(Vector512<float> logits, Vector512<float> max) =>
        Vector512.EqualsAll(logits, logits) && float.IsFinite(max.ToScalar());

    /// <summary>All-ones lanes for the first <paramref name="length"/> elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LaneMask(int length) =>
        Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(length)).AsSingle();

    /// <summary>The row's lanes, -Inf past its end (e^-Inf = 0 keeps them out of the sum); never reads past the row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Load(ReadOnlySpan<float> row, Vector512<float> mask)
    {
        fixed (float* source = row)
        {
            return Avx512F.MaskLoad(source, mask, Vector512.Create(float.NegativeInfinity));
        }
    }
}
