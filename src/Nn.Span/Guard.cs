using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CommunityToolkit.HighPerformance;

namespace Nn.Span;

/// <summary>
/// Argument checks shared by every entry point. Each check is O(1) (no per-element work) and runs
/// before anything is written, so a rejected call leaves every output untouched.
/// </summary>
internal static class Guard
{
    public static void SameLength(int actual, int expected, string parameterName, string what)
    {
        if (actual != expected)
        {
            throw new ArgumentException(
                $"Expected {what} of length {expected}, but got length {actual}.", parameterName);
        }
    }

    /// <summary>
    /// Checks a flat parameter (or gradient) vector against a network's parameter count. The message is built only
    /// when the check fails, so a passing call allocates nothing.
    /// </summary>
    public static void ParameterCount(int actual, NetworkDimensions dimensions, string parameterName, string what)
    {
        if (actual != dimensions.ParameterCount)
        {
            ThrowParameterCount(actual, dimensions, parameterName, what);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowParameterCount(int actual, NetworkDimensions dimensions, string parameterName, string what)
    {
        throw new ArgumentException(
            $"Expected {what} for a network of dimensions {dimensions} of length {dimensions.ParameterCount}, but got length {actual}.",
            parameterName);
    }

    public static void DestinationLongEnough(int destinationLength, int required, string parameterName = "destination")
    {
        if (destinationLength < required)
        {
            throw new ArgumentException(
                $"Destination is too short: it needs at least {required} elements, but has {destinationLength}.",
                parameterName);
        }
    }

    public static void Shape(int height, int width, int expectedHeight, int expectedWidth, string parameterName)
    {
        if (height != expectedHeight || width != expectedWidth)
        {
            ThrowShape(height, width, expectedHeight, expectedWidth, parameterName);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowShape(int height, int width, int expectedHeight, int expectedWidth, string parameterName) =>
        throw new ArgumentException($"Expected a {expectedHeight} x {expectedWidth} matrix, but got {height} x {width}.", parameterName);

    public static void Width(int width, int expectedWidth, string parameterName, string what)
    {
        if (width != expectedWidth)
        {
            throw new ArgumentException(
                $"Expected {what} of width {expectedWidth}, but got width {width}.", parameterName);
        }
    }

    /// <summary>Rejects partial overlap; exact aliasing (the same start) is allowed for in-place calls.</summary>
    public static void NoPartialOverlap<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> output, string outputName)
    {
        if (input.Overlaps(output, out int offset) && offset != 0)
        {
            throw new ArgumentException(
                "The output partially overlaps an input; pass the same span for an in-place call or separate buffers.",
                outputName);
        }
    }

    /// <summary>Rejects any overlap, including exact aliasing.</summary>
    public static void NoOverlap<T>(ReadOnlySpan<T> input, ReadOnlySpan<T> output, string outputName, string inputName)
    {
        if (!input.IsEmpty && !output.IsEmpty && input.Overlaps(output))
        {
            throw new ArgumentException($"'{outputName}' must not share memory with '{inputName}'.", outputName);
        }
    }

    /// <summary>
    /// Rejects two matrix views that share an element, unless they are exactly the same view (in place).
    /// </summary>
    public static void NoPartialOverlap<T>(ReadOnlySpan2D<T> input, ReadOnlySpan2D<T> output, string outputName)
    {
        if (MatrixMemory.Overlap(input, output) == MatrixOverlap.Partial)
        {
            ThrowPartialOverlap(outputName);
        }
    }

    /// <summary>Rejects two matrix views that share any element, including exact aliasing.</summary>
    // The throws are calls of their own, so that these checks stay small enough to be inlined into every entry point.
    public static void NoOverlap<T>(ReadOnlySpan2D<T> input, ReadOnlySpan2D<T> output, string outputName, string inputName) =>
        NoOverlap(
            ref input.DangerousGetReference(), input.Height, input.Width, MatrixMemory.RowStride(input),
            ref output.DangerousGetReference(), output.Height, output.Width, MatrixMemory.RowStride(output), outputName, inputName);

    /// <summary>
    /// <see cref="NoOverlap{T}(ReadOnlySpan2D{T}, ReadOnlySpan2D{T}, string, string)"/> for views given by their first
    /// element, height, width and row stride.
    /// </summary>
    public static void NoOverlap<T>(
        ref T input, int inputHeight, int inputWidth, nint inputStride, ref T output, int outputHeight, int outputWidth, nint outputStride,
        string outputName, string inputName)
    {
        if (MatrixMemory.Overlap(ref input, inputHeight, inputWidth, inputStride, ref output, outputHeight, outputWidth, outputStride) != MatrixOverlap.None)
        {
            ThrowSharedMemory(outputName, inputName);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowPartialOverlap(string outputName) =>
        throw new ArgumentException(
            "The output matrix partially overlaps an input; pass the same view for an in-place call or separate buffers.", outputName);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowSharedMemory(string outputName, string inputName) =>
        throw new ArgumentException($"'{outputName}' must not share memory with '{inputName}'.", outputName);

    /// <summary>Rejects a matrix view and a vector that share any element.</summary>
    public static void NoOverlap<T>(ReadOnlySpan2D<T> input, ReadOnlySpan<T> output, string outputName, string inputName)
    {
        var asMatrix = output.IsEmpty
            ? ReadOnlySpan2D<T>.Empty
            : ReadOnlySpan2D<T>.DangerousCreate(in MemoryMarshal.GetReference(output), 1, output.Length, 0);
        NoOverlap(input, asMatrix, outputName, inputName);
    }

    public static void ThrowLabelOutOfRange(int row, int label, int classes, string parameterName)
    {
        throw new ArgumentOutOfRangeException(
            parameterName, label, $"Label {label} in row {row} is outside the class range [0, {classes}).");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void ThrowNotOneHot(int row, string parameterName)
    {
        throw new ArgumentException(
            $"Row {row} of the one-hot labels is not one-hot: it must hold exactly one 1 and zeros elsewhere.",
            parameterName);
    }
}
