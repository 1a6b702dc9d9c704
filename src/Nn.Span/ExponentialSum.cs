using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Span;

/// <summary>
/// The passes softmax and the loss share: e^(x - shift) written out with its sum in the same pass, and the sum
/// alone. Float runs on <see cref="FloatExponential"/> (float arithmetic, Vector512, else Vector256); double on
/// TensorPrimitives.
/// </summary>
internal static unsafe class ExponentialSum
{
    /// <summary>How far ahead the exponential-and-sum pass hints lines to the cache, in bytes.</summary>
    private const int PrefetchDistance = 4096;

    // Without a destination, double exponentials go through a small stack buffer so that the input survives.
    private const int Chunk = 256;

    /// <summary>
    /// destination[i] = e^(x[i] - shift); returns sum_i destination[i]. destination may be x itself. shift is the
    /// maximum of x (or NaN), so that every x[i] - shift is at most 0 or NaN.
    /// </summary>
    public static T WriteAndSum<T>(ReadOnlySpan<T> x, T shift, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            float sum = WriteAndSumFloat(
                MemoryMarshal.Cast<T, float>(x), Unsafe.BitCast<T, float>(shift), MemoryMarshal.Cast<T, float>(destination));
            return Unsafe.BitCast<float, T>(sum);
        }

        destination = destination[..x.Length];
        TensorPrimitives.Subtract(x, shift, destination);
        TensorPrimitives.Exp<T>(destination, destination);
        return TensorPrimitives.Sum<T>(destination);
    }

    /// <summary>sum_i e^(x[i] - shift), leaving x as it is; shift is the maximum of x, as for <see cref="WriteAndSum{T}"/>.</summary>
    public static T Sum<T>(ReadOnlySpan<T> x, T shift)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float))
        {
            return Unsafe.BitCast<float, T>(SumFloat(MemoryMarshal.Cast<T, float>(x), Unsafe.BitCast<T, float>(shift)));
        }

        Span<T> chunk = stackalloc T[Chunk];
        T sum = T.Zero;
        for (int start = 0; start < x.Length; start += Chunk)
        {
            ReadOnlySpan<T> part = x.Slice(start, Math.Min(Chunk, x.Length - start));
            Span<T> exp = chunk[..part.Length];
            TensorPrimitives.Subtract(part, shift, exp);
            TensorPrimitives.Exp<T>(exp, exp);
            sum += TensorPrimitives.Sum<T>(exp);
        }

        return sum;
    }

    /// <summary>
    /// max_i x[i] for the softmax's shift: NaN when x holds a NaN, as TensorPrimitives.Max gives. Float rows of at least
    /// one vector take four chains of maximum instructions, which do not carry NaN, and a sum alongside, which does: a
    /// NaN sum (a NaN in x, or +Inf and -Inf both) sends the row to TensorPrimitives.Max.
    /// </summary>
    public static T Maximum<T>(ReadOnlySpan<T> x)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && Vector512.IsHardwareAccelerated && x.Length >= Vector512<float>.Count)
        {
            return Unsafe.BitCast<float, T>(MaximumFloat(MemoryMarshal.Cast<T, float>(x)));
        }

        return TensorPrimitives.Max(x);
    }

    private static float MaximumFloat(ReadOnlySpan<float> x)
    {
        int count = Vector512<float>.Count;
        int length = x.Length;
        ref float xRef = ref MemoryMarshal.GetReference(x);

        // m_c = max over the vectors of chain c (maximum instructions, on the adders); s_c = their sum (multiply-adds by 1,
        // on the multipliers, so that the two run side by side), NaN once any lane met a NaN
        Vector512<float> last = Vector512.LoadUnsafe(ref xRef, (nuint)(length - count));
        Vector512<float> one = Vector512<float>.One;
        Vector512<float> m0 = last, m1 = last, m2 = last, m3 = last;
        Vector512<float> s0 = last, s1 = Vector512<float>.Zero, s2 = Vector512<float>.Zero, s3 = Vector512<float>.Zero;
        int i = 0;
        for (; i <= length - (4 * count); i += 4 * count)
        {
            Vector512<float> x0 = Vector512.LoadUnsafe(ref xRef, (nuint)i);
            Vector512<float> x1 = Vector512.LoadUnsafe(ref xRef, (nuint)(i + count));
            Vector512<float> x2 = Vector512.LoadUnsafe(ref xRef, (nuint)(i + (2 * count)));
            Vector512<float> x3 = Vector512.LoadUnsafe(ref xRef, (nuint)(i + (3 * count)));
            m0 = Vector512.MaxNative(m0, x0);
            m1 = Vector512.MaxNative(m1, x1);
            m2 = Vector512.MaxNative(m2, x2);
            m3 = Vector512.MaxNative(m3, x3);
            s0 = Vector512.FusedMultiplyAdd(x0, one, s0);
            s1 = Vector512.FusedMultiplyAdd(x1, one, s1);
            s2 = Vector512.FusedMultiplyAdd(x2, one, s2);
            s3 = Vector512.FusedMultiplyAdd(x3, one, s3);
        }

        for (; i < length - count; i += count)
        {
            Vector512<float> xi = Vector512.LoadUnsafe(ref xRef, (nuint)i);
            m0 = Vector512.MaxNative(m0, xi);
            s0 = Vector512.FusedMultiplyAdd(xi, one, s0);
        }

        Vector512<float> sum = (s0 + s1) + (s2 + s3);
        if (!Vector512.EqualsAll(sum, sum))
        {
            return TensorPrimitives.Max(x);
        }

        Vector512<float> m = Vector512.MaxNative(Vector512.MaxNative(m0, m1), Vector512.MaxNative(m2, m3));
        return ShortRowSoftmax.BroadcastMaximum(m).ToScalar();
    }

    private static float WriteAndSumFloat(ReadOnlySpan<float> x, float shift, Span<float> destination)
    {
        int length = x.Length;
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float dRef = ref MemoryMarshal.GetReference(destination);
        if (Vector512.IsHardwareAccelerated && length >= Vector512<float>.Count)
        {
            int count = Vector512<float>.Count;
            int last = length - count;
            Vector512<float> s = Vector512.Create(shift);

            // The final (overlapping) vector is read before anything is stored, so in-place calls stay correct.
            Vector512<float> tail = FloatExponential.ExpOfNonPositive(Vector512.LoadUnsafe(ref xRef, (nuint)last) - s);
            Vector512<float> sum = Vector512<float>.Zero;
            int i = 0;
            for (; i < last; i += count)
            {
                if (Sse.IsSupported)
                {
                    // Hints 4 KiB ahead of both streams, one line each per vector (see VectorLoop.Unary): in a softmax
                    // over rows, that is the next row's lines while this one is worked.
                    nint offset = ((nint)i * sizeof(float)) + PrefetchDistance;
                    Sse.Prefetch0((byte*)Unsafe.AsPointer(ref xRef) + offset);
                    Sse.Prefetch0((byte*)Unsafe.AsPointer(ref dRef) + offset);
                }

                // d_i = e^(x_i - shift); sum += d_i
                Vector512<float> e = FloatExponential.ExpOfNonPositive(Vector512.LoadUnsafe(ref xRef, (nuint)i) - s);
                e.StoreUnsafe(ref dRef, (nuint)i);
                sum += e;
            }

            tail.StoreUnsafe(ref dRef, (nuint)last);

            // Only the lanes of the final vector that the loop did not cover join the sum.
            Vector512<int> lane = Vector512<int>.Indices + Vector512.Create(last);
            Vector512<float> fresh = Vector512.GreaterThanOrEqual(lane, Vector512.Create(i)).AsSingle();
            return Vector512.Sum(sum + (tail & fresh));
        }

        if (Vector512.IsHardwareAccelerated && length > 0)
        {
            // A row shorter than one vector: pad it with the shift (e^0, no underflow: an underflowing exponential costs
            // a microcode assist on Intel cores), run one vector, and clear the padding's lanes.
            Span<float> padded = stackalloc float[Vector512<float>.Count];
            padded.Fill(shift);
            x.CopyTo(padded);
            Vector512<float> row = LaneMask.First(length);
            Vector512<float> e = FloatExponential.ExpOfNonPositive(Vector512.Create((ReadOnlySpan<float>)padded) - Vector512.Create(shift)) & row;
            e.CopyTo(padded);
            padded[..length].CopyTo(destination);
            return Vector512.Sum(e);
        }

        if (Vector256.IsHardwareAccelerated && length >= Vector256<float>.Count)
        {
            return WriteAndSumFloat256(ref xRef, length, shift, ref dRef);
        }

        float total = 0;
        for (int i = 0; i < length; i++)
        {
            float e = FloatExponential.Exp(Unsafe.Add(ref xRef, i) - shift);
            Unsafe.Add(ref dRef, i) = e;
            total += e;
        }

        return total;
    }

    private static float SumFloat(ReadOnlySpan<float> x, float shift)
    {
        int length = x.Length;
        ref float xRef = ref MemoryMarshal.GetReference(x);
        if (Vector512.IsHardwareAccelerated && length >= Vector512<float>.Count)
        {
            int count = Vector512<float>.Count;
            int last = length - count;
            Vector512<float> s = Vector512.Create(shift);
            Vector512<float> sum = Vector512<float>.Zero;
            int i = 0;
            for (; i < last; i += count)
            {
                sum += FloatExponential.ExpOfNonPositive(Vector512.LoadUnsafe(ref xRef, (nuint)i) - s);
            }

            Vector512<float> tail = FloatExponential.ExpOfNonPositive(Vector512.LoadUnsafe(ref xRef, (nuint)last) - s);
            Vector512<int> lane = Vector512<int>.Indices + Vector512.Create(last);
            Vector512<float> fresh = Vector512.GreaterThanOrEqual(lane, Vector512.Create(i)).AsSingle();
            return Vector512.Sum(sum + (tail & fresh));
        }

        if (Vector256.IsHardwareAccelerated && length >= Vector256<float>.Count)
        {
            return SumFloat256(ref xRef, length, shift);
        }

        float total = 0;
        for (int i = 0; i < length; i++)
        {
            total += FloatExponential.Exp(Unsafe.Add(ref xRef, i) - shift);
        }

        return total;
    }

    /// <summary>
    /// <see cref="WriteAndSumFloat"/> on Vector256 (processors without AVX-512), for at least one vector: the same pass,
    /// two vectors a step with two sums, and the final (overlapping) vector read before anything is stored.
    /// </summary>
    private static float WriteAndSumFloat256(ref float xRef, int length, float shift, ref float dRef)
    {
        int count = Vector256<float>.Count;
        int last = length - count;
        Vector256<float> s = Vector256.Create(shift);
        Vector256<float> tail = FloatExponential.ExpOfNonPositive(Vector256.LoadUnsafe(ref xRef, (nuint)last) - s);
        Vector256<float> sum0 = Vector256<float>.Zero, sum1 = Vector256<float>.Zero;
        int i = 0;
        for (; i + count < last; i += 2 * count)
        {
            // d_i = e^(x_i - shift); sum += d_i, over two vectors
            Vector256<float> e0 = FloatExponential.ExpOfNonPositive(Vector256.LoadUnsafe(ref xRef, (nuint)i) - s);
            Vector256<float> e1 = FloatExponential.ExpOfNonPositive(Vector256.LoadUnsafe(ref xRef, (nuint)(i + count)) - s);
            e0.StoreUnsafe(ref dRef, (nuint)i);
            e1.StoreUnsafe(ref dRef, (nuint)(i + count));
            sum0 += e0;
            sum1 += e1;
        }

        for (; i < last; i += count)
        {
            Vector256<float> e = FloatExponential.ExpOfNonPositive(Vector256.LoadUnsafe(ref xRef, (nuint)i) - s);
            e.StoreUnsafe(ref dRef, (nuint)i);
            sum0 += e;
        }

        tail.StoreUnsafe(ref dRef, (nuint)last);

        // Only the lanes of the final vector that the loops did not cover join the sum.
        Vector256<float> fresh = Vector256.GreaterThanOrEqual(Vector256<int>.Indices + Vector256.Create(last), Vector256.Create(i)).AsSingle();
        return Vector256.Sum((sum0 + sum1) + (tail & fresh));
    }

    /// <summary><see cref="SumFloat"/> on Vector256, for at least one vector.</summary>
    private static float SumFloat256(ref float xRef, int length, float shift)
    {
        int count = Vector256<float>.Count;
        int last = length - count;
        Vector256<float> s = Vector256.Create(shift);
        Vector256<float> sum0 = Vector256<float>.Zero, sum1 = Vector256<float>.Zero;
        int i = 0;
        for (; i + count < last; i += 2 * count)
        {
            // sum += e^(x_i - shift), over two vectors
            sum0 += FloatExponential.ExpOfNonPositive(Vector256.LoadUnsafe(ref xRef, (nuint)i) - s);
            sum1 += FloatExponential.ExpOfNonPositive(Vector256.LoadUnsafe(ref xRef, (nuint)(i + count)) - s);
        }

        for (; i < last; i += count)
        {
            sum0 += FloatExponential.ExpOfNonPositive(Vector256.LoadUnsafe(ref xRef, (nuint)i) - s);
        }

        Vector256<float> tail = FloatExponential.ExpOfNonPositive(Vector256.LoadUnsafe(ref xRef, (nuint)last) - s);
        Vector256<float> fresh = Vector256.GreaterThanOrEqual(Vector256<int>.Indices + Vector256.Create(last), Vector256.Create(i)).AsSingle();
        return Vector256.Sum((sum0 + sum1) + (tail & fresh));
    }
}
