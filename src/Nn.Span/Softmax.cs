using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CommunityToolkit.HighPerformance;

namespace Nn.Span;

/// <summary>
/// Softmax, log-softmax and the softmax's backward pass (its Jacobian-vector product), for one row or for
/// every row of a matrix. Every softmax subtracts the row's maximum first, so logits such as 1001 and 1002
/// (or -1001 and -1002) give the same answer as 1 and 2.
/// </summary>
/// <remarks>
/// <para>Special values, row by row:</para>
/// <list type="bullet">
/// <item>an empty row is a no-op;</item>
/// <item>a NaN anywhere in a row makes the whole row NaN;</item>
/// <item>a row holding +Inf takes the limit: the k entries equal to +Inf get 1/k, every other entry 0
/// (log-softmax: -log k and -Inf);</item>
/// <item>a row in which every entry is -Inf is NaN, as IEEE arithmetic gives for -Inf - (-Inf).</item>
/// </list>
/// <para>Exact in-place calls (destination is the input) are allowed; partial overlap is rejected.</para>
/// </remarks>
public static class Softmax
{
    /// <summary>softmax(x)_i = e^(x_i - m) / sum_j e^(x_j - m), with m = max_j x_j.</summary>
    /// <param name="logits">One row of logits.</param>
    /// <param name="destination">Receives the probabilities; at least as long as <paramref name="logits"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short or partially overlaps <paramref name="logits"/>.</exception>
    public static void Row<T>(ReadOnlySpan<T> logits, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Guard.DestinationLongEnough(destination.Length, logits.Length);
        Guard.NoPartialOverlap(logits, destination, nameof(destination));
        RowCore(logits, destination);
    }

    /// <summary>Applies <see cref="Row{T}(ReadOnlySpan{T}, Span{T})"/> to every row of a matrix.</summary>
    /// <param name="logits">N rows of logits; may be a strided sub-matrix.</param>
    /// <param name="destination">Receives the probabilities; the same shape as <paramref name="logits"/>.</param>
    /// <exception cref="ArgumentException">The shapes differ, or <paramref name="destination"/> partially overlaps <paramref name="logits"/>.</exception>
    public static void Rows<T>(ReadOnlySpan2D<T> logits, Span2D<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Guard.Shape(destination.Height, destination.Width, logits.Height, logits.Width, nameof(destination));
        Guard.NoPartialOverlap(logits, destination, nameof(destination));
        RowsCore(logits, destination);
    }

    /// <summary>Softmax of every row without argument checks; destination may be logits itself.</summary>
    internal static void RowsCore<T>(ReadOnlySpan2D<T> logits, Span2D<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (typeof(T) == typeof(float) && ShortRowSoftmax.Applies(logits.Width))
        {
            ShortRowTiles.Softmax(
                Unsafe.BitCast<ReadOnlySpan2D<T>, ReadOnlySpan2D<float>>(logits), Unsafe.BitCast<Span2D<T>, Span2D<float>>(destination));
            return;
        }

        if (typeof(T) == typeof(float) && ShortRowTiles256.Applies(logits.Width))
        {
            ShortRowTiles256.Softmax(
                Unsafe.BitCast<ReadOnlySpan2D<T>, ReadOnlySpan2D<float>>(logits), Unsafe.BitCast<Span2D<T>, Span2D<float>>(destination));
            return;
        }

        for (int row = 0; row < logits.Height; row++)
        {
            RowCore(logits.GetRowSpan(row), destination.GetRowSpan(row));
        }
    }

    /// <summary>log softmax(x)_i = x_i - m - log sum_j e^(x_j - m), with m = max_j x_j; finite for finite logits.</summary>
    /// <param name="logits">One row of logits.</param>
    /// <param name="destination">Receives the log-probabilities; at least as long as <paramref name="logits"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="destination"/> is too short or partially overlaps <paramref name="logits"/>.</exception>
    public static void LogRow<T>(ReadOnlySpan<T> logits, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Guard.DestinationLongEnough(destination.Length, logits.Length);
        Guard.NoPartialOverlap(logits, destination, nameof(destination));
        LogRowCore(logits, destination);
    }

    /// <summary>Applies <see cref="LogRow{T}(ReadOnlySpan{T}, Span{T})"/> to every row of a matrix.</summary>
    /// <param name="logits">N rows of logits; may be a strided sub-matrix.</param>
    /// <param name="destination">Receives the log-probabilities; the same shape as <paramref name="logits"/>.</param>
    /// <exception cref="ArgumentException">The shapes differ, or <paramref name="destination"/> partially overlaps <paramref name="logits"/>.</exception>
    public static void LogRows<T>(ReadOnlySpan2D<T> logits, Span2D<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Guard.Shape(destination.Height, destination.Width, logits.Height, logits.Width, nameof(destination));
        Guard.NoPartialOverlap(logits, destination, nameof(destination));
        for (int row = 0; row < logits.Height; row++)
        {
            LogRowCore(logits.GetRowSpan(row), destination.GetRowSpan(row));
        }
    }

    /// <summary>
    /// The softmax's backward pass for one row: given y = softmax(x) and g = dJ/dy, computes
    /// dJ/dx = J^T g = y * (g - sum_j g_j y_j), where J = diag(y) - y y^T is the softmax's Jacobian.
    /// </summary>
    /// <param name="probabilities">The softmax's outputs y.</param>
    /// <param name="outputGradient">dJ/dy.</param>
    /// <param name="destination">Receives dJ/dx; may be <paramref name="probabilities"/> or <paramref name="outputGradient"/> itself.</param>
    /// <exception cref="ArgumentException">The lengths differ, or <paramref name="destination"/> partially overlaps an input.</exception>
    public static void Backward<T>(ReadOnlySpan<T> probabilities, ReadOnlySpan<T> outputGradient, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Guard.SameLength(outputGradient.Length, probabilities.Length, nameof(outputGradient), "a gradient matching probabilities");
        Guard.DestinationLongEnough(destination.Length, probabilities.Length);
        Guard.NoPartialOverlap(probabilities, destination, nameof(destination));
        Guard.NoPartialOverlap(outputGradient, destination, nameof(destination));
        BackwardCore(probabilities, outputGradient, destination);
    }

    /// <summary>Applies <see cref="Backward{T}(ReadOnlySpan{T}, ReadOnlySpan{T}, Span{T})"/> to every row.</summary>
    /// <param name="probabilities">The softmax's outputs, one row per example.</param>
    /// <param name="outputGradient">dJ/dy, the same shape.</param>
    /// <param name="destination">Receives dJ/dx, the same shape.</param>
    /// <exception cref="ArgumentException">The shapes differ, or <paramref name="destination"/> partially overlaps an input.</exception>
    public static void BackwardRows<T>(ReadOnlySpan2D<T> probabilities, ReadOnlySpan2D<T> outputGradient, Span2D<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Guard.Shape(outputGradient.Height, outputGradient.Width, probabilities.Height, probabilities.Width, nameof(outputGradient));
        Guard.Shape(destination.Height, destination.Width, probabilities.Height, probabilities.Width, nameof(destination));
        Guard.NoPartialOverlap(probabilities, destination, nameof(destination));
        Guard.NoPartialOverlap(outputGradient, destination, nameof(destination));
        for (int row = 0; row < probabilities.Height; row++)
        {
            BackwardCore(probabilities.GetRowSpan(row), outputGradient.GetRowSpan(row), destination.GetRowSpan(row));
        }
    }

    /// <summary>Softmax of one row without argument checks; destination may be logits itself.</summary>
    internal static void RowCore<T>(ReadOnlySpan<T> logits, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (logits.IsEmpty)
        {
            return;
        }

        if (typeof(T) == typeof(float) && ShortRowSoftmax.Applies(logits.Length) &&
            ShortRowSoftmax.TrySoftmax(MemoryMarshal.Cast<T, float>(logits), MemoryMarshal.Cast<T, float>(destination)))
        {
            return;
        }

        if (typeof(T) == typeof(float) && ShortRowTiles256.Applies(logits.Length) &&
            ShortRowTiles256.TrySoftmax(MemoryMarshal.Cast<T, float>(logits), MemoryMarshal.Cast<T, float>(destination)))
        {
            return;
        }

        T max = ExponentialSum.Maximum(logits);
        if (T.IsPositiveInfinity(max))
        {
            PositiveInfinityLimit(logits, destination, logarithm: false);
            return;
        }

        // destination = e^(x - max) with its sum in the same pass; then scale by 1 / sum.
        // NaN in x (or a row of -Inf) gives NaN everywhere.
        destination = destination[..logits.Length];
        T sum = ExponentialSum.WriteAndSum(logits, max, destination);
        TensorPrimitives.Multiply<T>(destination, T.One / sum, destination);
    }

    /// <summary>Log-softmax of one row without argument checks; destination may be logits itself.</summary>
    internal static void LogRowCore<T>(ReadOnlySpan<T> logits, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (logits.IsEmpty)
        {
            return;
        }

        T max = ExponentialSum.Maximum(logits);
        if (T.IsPositiveInfinity(max))
        {
            PositiveInfinityLimit(logits, destination, logarithm: true);
            return;
        }

        // destination = (x - max) - log sum_j e^(x_j - max); the sum is taken before anything is written.
        // Subtracting max first keeps x - max exact near the maximum, however large the logits.
        T logSum = T.Log(ExponentialSum.Sum(logits, max));
        destination = destination[..logits.Length];
        TensorPrimitives.Subtract(logits, max, destination);
        TensorPrimitives.Subtract<T>(destination, logSum, destination);
    }

    private static void BackwardCore<T>(ReadOnlySpan<T> probabilities, ReadOnlySpan<T> outputGradient, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // destination = y * (g - <g, y>)
        T dot = TensorPrimitives.Dot(outputGradient, probabilities);
        TensorPrimitives.AddMultiply(outputGradient, -dot, probabilities, destination);
    }

    /// <summary>The limit of a row that holds +Inf: its k infinite entries share the probability equally.</summary>
    private static void PositiveInfinityLimit<T>(ReadOnlySpan<T> logits, Span<T> destination, bool logarithm)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int infinities = 0;
        foreach (T value in logits)
        {
            if (T.IsPositiveInfinity(value))
            {
                infinities++;
            }
        }

        T share = T.One / T.CreateTruncating(infinities);
        T rest = T.Zero;
        if (logarithm)
        {
            share = T.Log(share);
            rest = T.NegativeInfinity;
        }

        for (int i = 0; i < logits.Length; i++)
        {
            destination[i] = T.IsPositiveInfinity(logits[i]) ? share : rest;
        }
    }
}
