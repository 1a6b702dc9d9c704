using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using CommunityToolkit.HighPerformance;

namespace Nn.Span;

/// <summary>
/// Mean cross-entropy J = -(1/N) sum_n log yhat[n, label_n] over a batch of N rows, from probabilities or,
/// fused with the softmax and its gradient, from logits.
/// </summary>
/// <remarks>
/// Labels are class indices in [0, classes) or one-hot rows (exactly one 1, zeros elsewhere); anything else
/// is rejected before any output is written. An empty batch has no mean and is rejected.
/// </remarks>
public static class CrossEntropy
{
    /// <summary>J = -(1/N) sum_n log p[n, labels[n]], from probabilities p (e.g. the output of <see cref="Softmax.Rows{T}"/>).</summary>
    /// <param name="probabilities">N rows of class probabilities.</param>
    /// <param name="labels">N class indices.</param>
    /// <returns>The mean loss; +Inf when a labelled probability is 0 (use <see cref="FromLogits{T}(ReadOnlySpan2D{T}, ReadOnlySpan{int}, Span2D{T})"/> to stay finite).</returns>
    /// <exception cref="ArgumentException">The batch is empty or <paramref name="labels"/> has the wrong length.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, classes).</exception>
    public static T Loss<T>(ReadOnlySpan2D<T> probabilities, ReadOnlySpan<int> labels)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateBatch(probabilities.Height, nameof(probabilities));
        Guard.SameLength(labels.Length, probabilities.Height, nameof(labels), "one label per row");
        ValidateLabels(labels, probabilities.Width, nameof(labels));

        // J = -(1/N) sum_n log p[n, y_n]
        T sum = T.Zero;
        for (int row = 0; row < labels.Length; row++)
        {
            sum -= T.Log(probabilities[row, labels[row]]);
        }

        return sum / T.CreateTruncating(labels.Length);
    }

    /// <summary>J = -(1/N) sum_n log p[n, c_n], where c_n is the position of the 1 in the one-hot row n.</summary>
    /// <param name="probabilities">N rows of class probabilities.</param>
    /// <param name="oneHotLabels">N one-hot rows, the same shape as <paramref name="probabilities"/>.</param>
    /// <returns>The mean loss.</returns>
    /// <exception cref="ArgumentException">The batch is empty, the shapes differ, or a row is not one-hot.</exception>
    public static T Loss<T>(ReadOnlySpan2D<T> probabilities, ReadOnlySpan2D<T> oneHotLabels)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateBatch(probabilities.Height, nameof(probabilities));
        Guard.Shape(oneHotLabels.Height, oneHotLabels.Width, probabilities.Height, probabilities.Width, nameof(oneHotLabels));
        ValidateOneHot(oneHotLabels, nameof(oneHotLabels));

        T sum = T.Zero;
        for (int row = 0; row < oneHotLabels.Height; row++)
        {
            sum -= T.Log(probabilities[row, OneHotIndex(oneHotLabels.GetRowSpan(row))]);
        }

        return sum / T.CreateTruncating(oneHotLabels.Height);
    }

    /// <summary>
    /// Softmax, mean cross-entropy and its gradient in one pass over each row of logits z:
    /// J = (1/N) sum_n (logsumexp(z_n) - z[n, y_n]) and logitsGradient = (softmax(z) - onehot(y)) / N = dJ/dz.
    /// </summary>
    /// <param name="logits">N rows of logits.</param>
    /// <param name="labels">N class indices.</param>
    /// <param name="logitsGradient">Receives dJ/dz, the same shape as <paramref name="logits"/>; may be <paramref name="logits"/> itself.</param>
    /// <returns>The mean loss; finite for every finite logit, however large, unless one row's loss logsumexp(z) - z[label] alone exceeds T's range.</returns>
    /// <exception cref="ArgumentException">The batch is empty, a shape or length is wrong, or the gradient partially overlaps the logits.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A label is outside [0, classes).</exception>
    public static T FromLogits<T>(ReadOnlySpan2D<T> logits, ReadOnlySpan<int> labels, Span2D<T> logitsGradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateBatch(logits.Height, nameof(logits));
        Guard.SameLength(labels.Length, logits.Height, nameof(labels), "one label per row");
        Guard.Shape(logitsGradient.Height, logitsGradient.Width, logits.Height, logits.Width, nameof(logitsGradient));
        Guard.NoPartialOverlap(logits, logitsGradient, nameof(logitsGradient));
        ValidateLabels(labels, logits.Width, nameof(labels));
        return FromLogitsCore(logits, labels, logitsGradient);
    }

    /// <summary>
    /// The fused softmax, mean cross-entropy and gradient of
    /// <see cref="FromLogits{T}(ReadOnlySpan2D{T}, ReadOnlySpan{int}, Span2D{T})"/>, with one-hot labels.
    /// </summary>
    /// <param name="logits">N rows of logits.</param>
    /// <param name="oneHotLabels">N one-hot rows, the same shape as <paramref name="logits"/>.</param>
    /// <param name="logitsGradient">Receives dJ/dz = (softmax(z) - y) / N; may be <paramref name="logits"/> itself.</param>
    /// <returns>The mean loss.</returns>
    /// <exception cref="ArgumentException">The batch is empty, a shape is wrong, a row is not one-hot, or the gradient partially overlaps the logits.</exception>
    public static T FromLogits<T>(ReadOnlySpan2D<T> logits, ReadOnlySpan2D<T> oneHotLabels, Span2D<T> logitsGradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ValidateBatch(logits.Height, nameof(logits));
        Guard.Shape(oneHotLabels.Height, oneHotLabels.Width, logits.Height, logits.Width, nameof(oneHotLabels));
        Guard.Shape(logitsGradient.Height, logitsGradient.Width, logits.Height, logits.Width, nameof(logitsGradient));
        Guard.NoPartialOverlap(logits, logitsGradient, nameof(logitsGradient));
        Guard.NoPartialOverlap(oneHotLabels, logitsGradient, nameof(logitsGradient));
        ValidateOneHot(oneHotLabels, nameof(oneHotLabels));

        T sum = T.Zero;
        T inverseBatch = T.One / T.CreateTruncating(logits.Height);
        for (int row = 0; row < logits.Height; row++)
        {
            int label = OneHotIndex(oneHotLabels.GetRowSpan(row));
            sum += RowLossAndGradient(logits.GetRowSpan(row), label, inverseBatch, logitsGradient.GetRowSpan(row)) * inverseBatch;
        }

        return sum;
    }

    /// <summary>The fused loss and gradient over validated arguments; the network calls it directly.</summary>
    // Not inlined: its vector and span locals would join the network step's frame, which the step zeroes on every call.
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static T FromLogitsCore<T>(ReadOnlySpan2D<T> logits, ReadOnlySpan<int> labels, Span2D<T> logitsGradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T inverseBatch = T.One / T.CreateTruncating(logits.Height);
        if (typeof(T) == typeof(float) && ShortRowSoftmax.Applies(logits.Width))
        {
            return Unsafe.BitCast<float, T>(ShortRowTiles.LossAndGradient(
                Unsafe.BitCast<ReadOnlySpan2D<T>, ReadOnlySpan2D<float>>(logits), labels, Unsafe.BitCast<T, float>(inverseBatch),
                Unsafe.BitCast<Span2D<T>, Span2D<float>>(logitsGradient)));
        }

        if (typeof(T) == typeof(float) && ShortRowTiles256.Applies(logits.Width))
        {
            return Unsafe.BitCast<float, T>(ShortRowTiles256.LossAndGradient(
                Unsafe.BitCast<ReadOnlySpan2D<T>, ReadOnlySpan2D<float>>(logits), labels, Unsafe.BitCast<T, float>(inverseBatch),
                Unsafe.BitCast<Span2D<T>, Span2D<float>>(logitsGradient)));
        }

        // Each row's loss is scaled before it joins the sum, so that the sum stays finite whenever the mean is.
        T sum = T.Zero;
        for (int row = 0; row < logits.Height; row++)
        {
            sum += RowLossAndGradient(logits.GetRowSpan(row), labels[row], inverseBatch, logitsGradient.GetRowSpan(row)) * inverseBatch;
        }

        return sum;
    }

    /// <summary>
    /// One row: returns logsumexp(z) - z[label] and writes (softmax(z) - onehot(label)) * scale; gradient may be z itself.
    /// </summary>
    internal static T RowLossAndGradient<T>(ReadOnlySpan<T> z, int label, T scale, Span<T> gradient)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T labelled = z[label]; // read before the gradient may overwrite it
        T max = ExponentialSum.Maximum(z);
        gradient = gradient[..z.Length];
        if (T.IsPositiveInfinity(max))
        {
            // Limit: the +Inf entries share the probability; the loss is log k if the label is one of them, else +Inf.
            Softmax.RowCore(z, gradient);
            T probability = gradient[label];
            TensorPrimitives.Multiply<T>(gradient, scale, gradient);
            gradient[label] -= scale;
            return -T.Log(probability);
        }

        // gradient = e^(z - max) / sum * scale - onehot * scale;  loss = max + log(sum) - z[label]
        T sum = ExponentialSum.WriteAndSum(z, max, gradient);
        TensorPrimitives.Multiply<T>(gradient, scale / sum, gradient);
        gradient[label] -= scale;
        return max + T.Log(sum) - labelled;
    }

    private static void ValidateBatch(int rows, string parameterName)
    {
        if (rows == 0)
        {
            throw new ArgumentException("The batch is empty: a mean loss needs at least one row.", parameterName);
        }
    }

    internal static void ValidateLabels(ReadOnlySpan<int> labels, int classes, string parameterName)
    {
        for (int row = 0; row < labels.Length; row++)
        {
            if ((uint)labels[row] >= (uint)classes)
            {
                Guard.ThrowLabelOutOfRange(row, labels[row], classes, parameterName);
            }
        }
    }

    internal static void ValidateOneHot<T>(ReadOnlySpan2D<T> oneHotLabels, string parameterName)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int row = 0; row < oneHotLabels.Height; row++)
        {
            if (OneHotLabel(oneHotLabels.GetRowSpan(row)) < 0)
            {
                Guard.ThrowNotOneHot(row, parameterName);
            }
        }
    }

    /// <summary>
    /// The position of the 1 in a row that holds exactly one 1 and zeros elsewhere, or -1 for any other row. One pass,
    /// a vector at a time: the lanes equal to 1 and the lanes equal to 0 must together be all the lanes, and the lanes
    /// equal to 1 must add up to one over the row.
    /// </summary>
    internal static int OneHotLabel<T>(ReadOnlySpan<T> row)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int label = -1;
        int ones = 0;
        int i = 0;
        if (Vector512.IsHardwareAccelerated && row.Length >= Vector512<T>.Count)
        {
            ref T start = ref MemoryMarshal.GetReference(row);
            ulong allLanes = (1UL << Vector512<T>.Count) - 1;
            for (; i <= row.Length - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                Vector512<T> values = Vector512.LoadUnsafe(ref start, (nuint)i);
                ulong isOne = Vector512.Equals(values, Vector512<T>.One).ExtractMostSignificantBits();
                ulong isZero = Vector512.Equals(values, Vector512<T>.Zero).ExtractMostSignificantBits();
                if ((isOne | isZero) != allLanes)
                {
                    return -1;
                }

                if (isOne != 0)
                {
                    ones += BitOperations.PopCount(isOne);
                    label = i + BitOperations.TrailingZeroCount(isOne);
                }
            }
        }
        else if (Vector256.IsHardwareAccelerated && row.Length >= Vector256<T>.Count)
        {
            // The same test a 256-bit vector at a time (processors without AVX-512).
            ref T start = ref MemoryMarshal.GetReference(row);
            uint allLanes = (1U << Vector256<T>.Count) - 1;
            for (; i <= row.Length - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                Vector256<T> values = Vector256.LoadUnsafe(ref start, (nuint)i);
                uint isOne = Vector256.Equals(values, Vector256<T>.One).ExtractMostSignificantBits();
                uint isZero = Vector256.Equals(values, Vector256<T>.Zero).ExtractMostSignificantBits();
                if ((isOne | isZero) != allLanes)
                {
                    return -1;
                }

                if (isOne != 0)
                {
                    ones += BitOperations.PopCount(isOne);
                    label = i + BitOperations.TrailingZeroCount(isOne);
                }
            }
        }

        for (; i < row.Length; i++)
        {
            if (row[i] == T.One)
            {
                ones++;
                label = i;
            }
            else if (row[i] != T.Zero)
            {
                return -1;
            }
        }

        return ones == 1 ? label : -1;
    }

    /// <summary>
    /// labels[n] = the position of the 1 in row n, checking that every row is one-hot: throws naming the first row that
    /// is not, having written nothing but labels, into the caller's scratch. Float rows of up to 16 classes are checked
    /// with two vector compares (on each of two Vector256 halves without AVX-512); longer rows by
    /// <see cref="OneHotLabel{T}"/>.
    /// </summary>
    internal static unsafe void OneHotToLabels<T>(ReadOnlySpan2D<T> oneHotLabels, Span<int> labels, string parameterName)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = oneHotLabels.Width;
        bool vector512 = Avx512F.IsSupported && width <= Vector512<float>.Count;
        bool vector256 = !Avx512F.IsSupported && Avx2.IsSupported && width <= 2 * Vector256<float>.Count;
        if (typeof(T) != typeof(float) || width == 0 || !(vector512 || vector256))
        {
            for (int row = 0; row < labels.Length; row++)
            {
                int label = OneHotLabel(oneHotLabels.GetRowSpan(row));
                if (label < 0)
                {
                    Guard.ThrowNotOneHot(row, parameterName);
                }

                labels[row] = label;
            }

            return;
        }

        // A row is one-hot when exactly one lane equals 1 and every other lane is 0 (the lanes past the row load as 0).
        // The rows' verdicts are gathered and tested once after the loop, so that the loop holds no call (a call in
        // it made the loop keep its mask and counts in memory); the labels go to the caller's scratch (the workspace)
        // only, and a bad row throws before anything else is written.
        const uint AllLanes = 0xFFFF;
        nint stride = MatrixMemory.RowStride(oneHotLabels);
        uint bad = 0;
        fixed (T* first = &oneHotLabels.DangerousGetReference())
        fixed (int* firstLabel = labels)
        {
            float* row = (float*)first;
            if (vector512)
            {
                Vector512<float> mask = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(width)).AsSingle();
                for (int n = 0; n < labels.Length; n++, row += stride)
                {
                    Vector512<float> values = Avx512F.MaskLoad(row, mask, Vector512<float>.Zero);
                    uint ones = (uint)Vector512.Equals(values, Vector512<float>.One).ExtractMostSignificantBits();
                    uint zeros = (uint)Vector512.Equals(values, Vector512<float>.Zero).ExtractMostSignificantBits();

                    // 0 for a one-hot row: one lane equal to 1, and every lane 1 or 0
                    bad |= ((uint)BitOperations.PopCount(ones) ^ 1) | ((ones | zeros) ^ AllLanes);
                    firstLabel[n] = BitOperations.TrailingZeroCount(ones);
                }
            }
            else
            {
                // The same over two Vector256 halves (the upper one all 0 for rows of at most 8): bit i of ones and zeros is lane i of the row.
                Vector256<float> lowerMask = LaneMask.First256(Math.Min(width, Vector256<float>.Count));
                Vector256<float> upperMask = LaneMask.First256(Math.Max(width - Vector256<float>.Count, 0));
                bool twoHalves = width > Vector256<float>.Count;
                for (int n = 0; n < labels.Length; n++, row += stride)
                {
                    Vector256<float> lower = Avx.MaskLoad(row, lowerMask);
                    Vector256<float> upper = twoHalves ? Avx.MaskLoad(row + Vector256<float>.Count, upperMask) : Vector256<float>.Zero;
                    uint ones = Vector256.Equals(lower, Vector256<float>.One).ExtractMostSignificantBits()
                        | (Vector256.Equals(upper, Vector256<float>.One).ExtractMostSignificantBits() << Vector256<float>.Count);
                    uint zeros = Vector256.Equals(lower, Vector256<float>.Zero).ExtractMostSignificantBits()
                        | (Vector256.Equals(upper, Vector256<float>.Zero).ExtractMostSignificantBits() << Vector256<float>.Count);
                    bad |= ((uint)BitOperations.PopCount(ones) ^ 1) | ((ones | zeros) ^ AllLanes);
                    firstLabel[n] = BitOperations.TrailingZeroCount(ones);
                }
            }
        }

        if (bad != 0)
        {
            // Row by row again, to name the first bad row.
            for (int row = 0; row < labels.Length; row++)
            {
                int label = OneHotLabel(oneHotLabels.GetRowSpan(row));
                if (label < 0)
                {
                    Guard.ThrowNotOneHot(row, parameterName);
                }

                labels[row] = label;
            }
        }
    }

    /// <summary>The position of the 1 in a validated one-hot row.</summary>
    internal static int OneHotIndex<T>(ReadOnlySpan<T> oneHotRow)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        oneHotRow.IndexOf(T.One);
}
