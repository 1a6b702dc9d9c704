using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using CommunityToolkit.HighPerformance;

namespace Nn.Span;

/// <summary>
/// The logistic sigmoid, sigma(x) = 1 / (1 + e^-x), and its derivative computed from its output,
/// sigma'(x) = s (1 - s) with s = sigma(x).
/// </summary>
/// <remarks>
/// Special values: sigma(NaN) = NaN, sigma(+Inf) = 1, sigma(-Inf) = 0, sigma(+-0) = 0.5; large |x| saturates to
/// 1 or 0 without producing NaN. Accuracy: float is computed in float arithmetic from e^-|x| and is within 3 ulp
/// of the exact value over the whole float range (subnormal results included); double uses TensorPrimitives. Every method allows exact in-place calls (the destination is the input) and
/// rejects a destination that partially overlaps the input with an <see cref="ArgumentException"/>.
/// </remarks>
public static class Activations
{
    /// <summary>Computes destination[i] = 1 / (1 + e^-x[i]).</summary>
    /// <param name="x">The inputs.</param>
    /// <param name="destination">Receives the outputs; at least as long as <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="x"/> or partially overlaps it.</exception>
    public static void Sigmoid<T>(ReadOnlySpan<T> x, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Guard.DestinationLongEnough(destination.Length, x.Length);
        Guard.NoPartialOverlap(x, destination, nameof(destination));
        SigmoidCore(x, destination);
    }

    /// <summary>Replaces every value x with 1 / (1 + e^-x).</summary>
    /// <param name="values">The inputs, overwritten by the outputs.</param>
    public static void Sigmoid<T>(Span<T> values)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        SigmoidCore<T>(values, values);

    /// <summary>Computes destination[i, j] = 1 / (1 + e^-x[i, j]) for a matrix; either may be a strided sub-matrix.</summary>
    /// <param name="x">The inputs.</param>
    /// <param name="destination">Receives the outputs; the same shape as <paramref name="x"/>.</param>
    /// <exception cref="ArgumentException">The shapes differ, or <paramref name="destination"/> partially overlaps <paramref name="x"/>.</exception>
    public static void Sigmoid<T>(ReadOnlySpan2D<T> x, Span2D<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Guard.Shape(destination.Height, destination.Width, x.Height, x.Width, nameof(destination));
        Guard.NoPartialOverlap(x, destination, nameof(destination));
        if (x.TryGetSpan(out ReadOnlySpan<T> xFlat) && destination.TryGetSpan(out Span<T> destinationFlat))
        {
            SigmoidCore(xFlat, destinationFlat);
            return;
        }

        for (int row = 0; row < x.Height; row++)
        {
            SigmoidCore(x.GetRowSpan(row), destination.GetRowSpan(row));
        }
    }

    /// <summary>
    /// Computes the sigmoid's derivative from its output: destination[i] = s[i] (1 - s[i]), where s = sigmoid(x).
    /// </summary>
    /// <param name="sigmoid">Outputs of the sigmoid.</param>
    /// <param name="destination">Receives the derivatives; at least as long as <paramref name="sigmoid"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is shorter than <paramref name="sigmoid"/> or partially overlaps it.</exception>
    public static void SigmoidDerivativeFromOutput<T>(ReadOnlySpan<T> sigmoid, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Guard.DestinationLongEnough(destination.Length, sigmoid.Length);
        Guard.NoPartialOverlap(sigmoid, destination, nameof(destination));
        VectorLoop.Binary<T, SigmoidDerivativeOperator<T>>(sigmoid, sigmoid, destination);
    }

    /// <summary>Replaces every sigmoid output s with the derivative s (1 - s).</summary>
    /// <param name="values">Outputs of the sigmoid, overwritten by the derivatives.</param>
    public static void SigmoidDerivativeFromOutput<T>(Span<T> values)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        VectorLoop.Binary<T, SigmoidDerivativeOperator<T>>(values, values, values);

    /// <summary>Computes the sigmoid's derivative from its output, s (1 - s), for a matrix.</summary>
    /// <param name="sigmoid">Outputs of the sigmoid.</param>
    /// <param name="destination">Receives the derivatives; the same shape as <paramref name="sigmoid"/>.</param>
    /// <exception cref="ArgumentException">The shapes differ, or <paramref name="destination"/> partially overlaps <paramref name="sigmoid"/>.</exception>
    public static void SigmoidDerivativeFromOutput<T>(ReadOnlySpan2D<T> sigmoid, Span2D<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Guard.Shape(destination.Height, destination.Width, sigmoid.Height, sigmoid.Width, nameof(destination));
        Guard.NoPartialOverlap(sigmoid, destination, nameof(destination));
        for (int row = 0; row < sigmoid.Height; row++)
        {
            ReadOnlySpan<T> s = sigmoid.GetRowSpan(row);
            VectorLoop.Binary<T, SigmoidDerivativeOperator<T>>(s, s, destination.GetRowSpan(row));
        }
    }

    /// <summary>
    /// Back-propagates a gradient through the sigmoid: destination[i] = outputGradient[i] s[i] (1 - s[i]),
    /// the chain rule for dJ/dx given dJ/ds and s = sigmoid(x).
    /// </summary>
    /// <param name="outputGradient">dJ/ds, the gradient with respect to the sigmoid's outputs.</param>
    /// <param name="sigmoid">The sigmoid's outputs s.</param>
    /// <param name="destination">Receives dJ/dx; may be <paramref name="outputGradient"/> or <paramref name="sigmoid"/> itself.</param>
    /// <exception cref="ArgumentException">The lengths differ, or <paramref name="destination"/> partially overlaps an input.</exception>
    public static void SigmoidBackward<T>(ReadOnlySpan<T> outputGradient, ReadOnlySpan<T> sigmoid, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Guard.SameLength(sigmoid.Length, outputGradient.Length, nameof(sigmoid), "sigmoid outputs matching outputGradient");
        Guard.DestinationLongEnough(destination.Length, sigmoid.Length);
        Guard.NoPartialOverlap(outputGradient, destination, nameof(destination));
        Guard.NoPartialOverlap(sigmoid, destination, nameof(destination));
        VectorLoop.Binary<T, SigmoidBackwardOperator<T>>(outputGradient, sigmoid, destination);
    }

    /// <summary>
    /// The sigmoid without argument checks: float in float arithmetic (<see cref="FloatExponential"/>), double on
    /// TensorPrimitives. destination may be x itself.
    /// </summary>
    internal static void SigmoidCore<T>(ReadOnlySpan<T> x, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // An empty span is a no-op (TensorPrimitives.Sigmoid rejects empty input).
        if (x.IsEmpty)
        {
            return;
        }

        if (typeof(T) == typeof(float))
        {
            VectorLoop.Unary<float, FloatExponential.SigmoidOperator>(
                MemoryMarshal.Cast<T, float>(x), MemoryMarshal.Cast<T, float>(destination));
            return;
        }

        TensorPrimitives.Sigmoid(x, destination);
    }
}
