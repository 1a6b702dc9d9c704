using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

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
        if (!TryMaximum(logits, out float max))
        {
            return false;
        }

        // y = e^(z - max) / sum
        Vector512<float> e = FloatExponential.Exp(logits - Vector512.Create(max));
        Store(e * Vector512.Create(1f / Vector512.Sum(e)), destination, mask);
        return true;
    }

    /// <summary>
    /// gradient = (softmax(z) - onehot(label)) * scale; returns logsumexp(z) - z[label]. False (nothing written) when
    /// the row holds NaN or +Inf. gradient may be z itself.
    /// </summary>
    public static bool TryLossAndGradient(ReadOnlySpan<float> z, int label, float scale, Span<float> gradient, out float loss)
    {
        Vector512<float> mask = LaneMask(z.Length);
        Vector512<float> logits = Load(z, mask);
        if (!TryMaximum(logits, out float max))
        {
            loss = 0;
            return false;
        }

        Vector512<float> e = FloatExponential.Exp(logits - Vector512.Create(max));
        float sum = Vector512.Sum(e);
        loss = max + MathF.Log(sum) - logits.GetElement(label);

        // g = e * (scale / sum) - scale [lane == label]
        Vector512<float> labelLane = Vector512.Equals(Vector512<int>.Indices, Vector512.Create(label)).AsSingle();
        Vector512<float> g = (e * Vector512.Create(scale / sum)) - (labelLane & Vector512.Create(scale));
        Store(g, gradient, mask);
        return true;
    }

    /// <summary>All-ones lanes for the first <paramref name="length"/> elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> LaneMask(int length) =>
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

    /// <summary>The largest lane; false when a lane is NaN or the largest is +Inf (or -Inf: a row of -Inf is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TryMaximum(Vector512<float> logits, out float max)
    {
        Vector256<float> half = Vector256.MaxNative(logits.GetLower(), logits.GetUpper());
        Vector128<float> quarter = Vector128.MaxNative(half.GetLower(), half.GetUpper());
        max = MathF.Max(MathF.Max(quarter[0], quarter[1]), MathF.Max(quarter[2], quarter[3]));
        return Vector512.EqualsAll(logits, logits) && float.IsFinite(max);
    }
}
