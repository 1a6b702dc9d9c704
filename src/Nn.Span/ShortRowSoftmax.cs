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
        Vector512<float> logits = Load(z, mask);
        Vector512<float> max = BroadcastMaximum(logits);
        if (!Usable(logits, max))
        {
            return false;
        }

        // y = e^(z - max) / sum
        Vector512<float> e = FloatExponential.Exp(logits - max);
        Store(e / BroadcastSum(e), destination, mask);
        return true;
    }

    /// <summary>
    /// destination = softmax of every row (rows of at most 16 floats), four rows at a time so that their dependency
    /// chains overlap; each group is loaded before the previous group is stored (destination may be the logits, and a
    /// load overlapping a pending masked store would wait for it). A group holding NaN or +Inf goes row by row through
    /// <see cref="Softmax.RowCore{T}"/>, which gives those rows their limits.
    /// </summary>
    public static void Rows(ReadOnlySpan2D<float> logits, Span2D<float> destination)
    {
        int height = logits.Height;
        nint logitsStride = MatrixMemory.RowStride(logits);
        nint destinationStride = MatrixMemory.RowStride((ReadOnlySpan2D<float>)destination);
        Vector512<float> mask = LaneMask(logits.Width);
        int row = 0;
        fixed (float* first = &logits.DangerousGetReference())
        fixed (float* firstDestination = &destination.DangerousGetReference())
        {
            if (height >= 4)
            {
                Vector512<float> next0 = LoadRow(first, mask);
                Vector512<float> next1 = LoadRow(first + logitsStride, mask);
                Vector512<float> next2 = LoadRow(first + (2 * logitsStride), mask);
                Vector512<float> next3 = LoadRow(first + (3 * logitsStride), mask);
                for (; row + 4 <= height; row += 4)
                {
                    Vector512<float> z0 = next0, z1 = next1, z2 = next2, z3 = next3;
                    if (row + 8 <= height)
                    {
                        float* following = first + ((row + 4) * logitsStride);
                        next0 = LoadRow(following, mask);
                        next1 = LoadRow(following + logitsStride, mask);
                        next2 = LoadRow(following + (2 * logitsStride), mask);
                        next3 = LoadRow(following + (3 * logitsStride), mask);
                    }

                    Vector512<float> max0 = BroadcastMaximum(z0);
                    Vector512<float> max1 = BroadcastMaximum(z1);
                    Vector512<float> max2 = BroadcastMaximum(z2);
                    Vector512<float> max3 = BroadcastMaximum(z3);
                    if (!(Usable(z0, max0) & Usable(z1, max1) & Usable(z2, max2) & Usable(z3, max3)))
                    {
                        for (int r = row; r < row + 4; r++)
                        {
                            Softmax.RowCore<float>(logits.GetRowSpan(r), destination.GetRowSpan(r));
                        }

                        continue;
                    }

                    // y = e^(z - max) / sum, four rows
                    Vector512<float> e0 = FloatExponential.Exp(z0 - max0);
                    Vector512<float> e1 = FloatExponential.Exp(z1 - max1);
                    Vector512<float> e2 = FloatExponential.Exp(z2 - max2);
                    Vector512<float> e3 = FloatExponential.Exp(z3 - max3);
                    float* target = firstDestination + (row * destinationStride);
                    Avx512F.MaskStore(target, mask, e0 / BroadcastSum(e0));
                    Avx512F.MaskStore(target + destinationStride, mask, e1 / BroadcastSum(e1));
                    Avx512F.MaskStore(target + (2 * destinationStride), mask, e2 / BroadcastSum(e2));
                    Avx512F.MaskStore(target + (3 * destinationStride), mask, e3 / BroadcastSum(e3));
                }
            }
        }

        for (; row < height; row++)
        {
            Softmax.RowCore<float>(logits.GetRowSpan(row), destination.GetRowSpan(row));
        }
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
        Vector512<float> e = FloatExponential.Exp(shifted);
        Vector512<float> sum = BroadcastSum(e);

        // g = e * (scale / sum) - scale [lane == label]
        Vector512<float> labelLane = Vector512.Equals(Vector512<int>.Indices, Vector512.Create(label)).AsSingle();
        Vector512<float> g = (e * (Vector512.Create(scale) / sum)) - (labelLane & Vector512.Create(scale));
        Avx512F.MaskStore(gradient, mask, g);
        return sum.ToScalar();
    }

    /// <summary>
    /// <see cref="TryLossAndGradient"/> for four rows at once, each step written for all four before the next, so that
    /// the four dependency chains (max, exponential, sum: over 100 cycles each) overlap in the out-of-order core
    /// instead of running one after the other. Returns false, writing nothing, when any of the rows holds NaN or +Inf.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryLossAndGradient4(
        Vector512<float> z0, Vector512<float> z1, Vector512<float> z2, Vector512<float> z3, Vector512<float> mask,
        ReadOnlySpan<int> labels, float scale, float* gradient, nint gradientStride, Span<float> sumsAndShiftedLabels)
    {
        Vector512<float> max0 = BroadcastMaximum(z0);
        Vector512<float> max1 = BroadcastMaximum(z1);
        Vector512<float> max2 = BroadcastMaximum(z2);
        Vector512<float> max3 = BroadcastMaximum(z3);
        if (!(Usable(z0, max0) & Usable(z1, max1) & Usable(z2, max2) & Usable(z3, max3)))
        {
            return false;
        }

        Vector512<float> s0 = z0 - max0, s1 = z1 - max1, s2 = z2 - max2, s3 = z3 - max3;
        Vector512<int> label0 = Vector512.Create(labels[0]), label1 = Vector512.Create(labels[1]);
        Vector512<int> label2 = Vector512.Create(labels[2]), label3 = Vector512.Create(labels[3]);
        Vector512<float> e0 = FloatExponential.Exp(s0);
        Vector512<float> e1 = FloatExponential.Exp(s1);
        Vector512<float> e2 = FloatExponential.Exp(s2);
        Vector512<float> e3 = FloatExponential.Exp(s3);
        Vector512<float> sum0 = BroadcastSum(e0);
        Vector512<float> sum1 = BroadcastSum(e1);
        Vector512<float> sum2 = BroadcastSum(e2);
        Vector512<float> sum3 = BroadcastSum(e3);

        // g = e * (scale / sum) - scale [lane == label]
        Vector512<float> scaled = Vector512.Create(scale);
        Avx512F.MaskStore(gradient, mask, (e0 * (scaled / sum0)) - (Vector512.Equals(Vector512<int>.Indices, label0).AsSingle() & scaled));
        Avx512F.MaskStore(gradient + gradientStride, mask, (e1 * (scaled / sum1)) - (Vector512.Equals(Vector512<int>.Indices, label1).AsSingle() & scaled));
        Avx512F.MaskStore(gradient + (2 * gradientStride), mask, (e2 * (scaled / sum2)) - (Vector512.Equals(Vector512<int>.Indices, label2).AsSingle() & scaled));
        Avx512F.MaskStore(gradient + (3 * gradientStride), mask, (e3 * (scaled / sum3)) - (Vector512.Equals(Vector512<int>.Indices, label3).AsSingle() & scaled));

        sumsAndShiftedLabels[0] = sum0.ToScalar();
        sumsAndShiftedLabels[1] = sum1.ToScalar();
        sumsAndShiftedLabels[2] = sum2.ToScalar();
        sumsAndShiftedLabels[3] = sum3.ToScalar();
        sumsAndShiftedLabels[4] = Avx512F.PermuteVar16x32(s0, label0).ToScalar();
        sumsAndShiftedLabels[5] = Avx512F.PermuteVar16x32(s1, label1).ToScalar();
        sumsAndShiftedLabels[6] = Avx512F.PermuteVar16x32(s2, label2).ToScalar();
        sumsAndShiftedLabels[7] = Avx512F.PermuteVar16x32(s3, label3).ToScalar();
        return true;
    }

    /// <summary>A row's lanes under <paramref name="mask"/> (<see cref="LaneMask"/>), -Inf past its end.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> LoadRow(float* row, Vector512<float> mask) =>
        Avx512F.MaskLoad(row, mask, Vector512.Create(float.NegativeInfinity));

    /// <summary>The largest lane, in every lane (a butterfly of in-register shuffles, no scalar round trip).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> BroadcastMaximum(Vector512<float> v)
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector512<float> values, Span<float> row, Vector512<float> mask)
    {
        fixed (float* destination = row)
        {
            Avx512F.MaskStore(destination, mask, values);
        }
    }
}
