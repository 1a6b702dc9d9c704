using System.Runtime.CompilerServices;
using CommunityToolkit.HighPerformance;

namespace Nn.Span;

/// <summary>Whether a matrix product uses an operand as stored or transposed.</summary>
public enum Transpose
{
    /// <summary>Use the operand as stored.</summary>
    None,

    /// <summary>Use the operand's transpose (read in place, never materialised).</summary>
    Transposed,
}

/// <summary>
/// The packing room of <see cref="Gemm"/>: one pinned, 64-byte-aligned allocation that holds the packed panels of
/// A and B for a product of any shape. Not thread-safe: give each thread its own.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public sealed class GemmWorkspace<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Allocates the packing panels for the largest blocks: one A block and one B block, 4.2 MiB for float, 8.5 MiB for double.</summary>
    public GemmWorkspace() =>
        Buffer = new AlignedBuffer<T>(GemmBlocking.PackingLength<T>(GemmBlocking.DepthBlock, GemmBlocking.ColumnBlock));

    /// <summary>The size of the workspace's single allocation, in bytes.</summary>
    public long SizeInBytes => Buffer.SizeInBytes;

    internal AlignedBuffer<T> Buffer { get; }
}

/// <summary>
/// General matrix product C = op(A) op(B) + beta C on <see cref="ReadOnlySpan2D{T}"/>/<see cref="Span2D{T}"/> views
/// (sub-matrices with a pitch work), allocation-free. With Vector512 hardware it runs a packed, cache-blocked,
/// register-blocked kernel; otherwise a direct vectorised loop.
/// </summary>
/// <remarks>
/// With beta = 0, C is only written, never read: NaN or garbage left in C is ignored. NaN and infinities in A or B
/// propagate as IEEE arithmetic says. C must not share memory with A or B (a product cannot run in place).
/// </remarks>
public static class Gemm
{
    /// <summary>C = A B.</summary>
    /// <param name="a">A, M x K.</param>
    /// <param name="b">B, K x N.</param>
    /// <param name="c">Receives C, M x N; shares no memory with A or B.</param>
    /// <param name="workspace">Packing room; one per thread.</param>
    /// <exception cref="ArgumentException">The shapes do not fit, or C overlaps A or B.</exception>
    public static void Multiply<T>(ReadOnlySpan2D<T> a, ReadOnlySpan2D<T> b, Span2D<T> c, GemmWorkspace<T> workspace)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Multiply(a, Transpose.None, b, Transpose.None, c, T.Zero, workspace);

    /// <summary>C = op(A) op(B) + beta C, where op(X) is X or X^T.</summary>
    /// <param name="a">A as stored: M x K, or K x M when <paramref name="transposeA"/> is <see cref="Transpose.Transposed"/>.</param>
    /// <param name="transposeA">Whether the product uses A^T.</param>
    /// <param name="b">B as stored: K x N, or N x K when <paramref name="transposeB"/> is <see cref="Transpose.Transposed"/>.</param>
    /// <param name="transposeB">Whether the product uses B^T.</param>
    /// <param name="c">C, M x N: read only when <paramref name="beta"/> is not 0, then overwritten; shares no memory with A or B.</param>
    /// <param name="beta">The factor of C's previous contents.</param>
    /// <param name="workspace">Packing room; one per thread.</param>
    /// <exception cref="ArgumentException">The shapes do not fit, or C overlaps A or B.</exception>
    public static void Multiply<T>(
        ReadOnlySpan2D<T> a, Transpose transposeA, ReadOnlySpan2D<T> b, Transpose transposeB, Span2D<T> c, T beta, GemmWorkspace<T> workspace)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(workspace);
        if ((uint)transposeA > (uint)Transpose.Transposed)
        {
            ThrowUnknownTranspose(transposeA, nameof(transposeA));
        }

        if ((uint)transposeB > (uint)Transpose.Transposed)
        {
            ThrowUnknownTranspose(transposeB, nameof(transposeB));
        }

        Operand opA = transposeA == Transpose.Transposed ? Operand.Transposed : Operand.AsIs;
        Operand opB = transposeB == Transpose.Transposed ? Operand.Transposed : Operand.AsIs;
        int m = opA == Operand.Transposed ? a.Width : a.Height;
        int k = opA == Operand.Transposed ? a.Height : a.Width;
        int bDepth = opB == Operand.Transposed ? b.Width : b.Height;
        int n = opB == Operand.Transposed ? b.Height : b.Width;
        if (bDepth != k)
        {
            ThrowDepthMismatch(m, k, bDepth, n, nameof(b));
        }

        Guard.Shape(c.Height, c.Width, m, n, nameof(c));
        Guard.NoOverlap(a, c, nameof(c), nameof(a));
        Guard.NoOverlap(b, c, nameof(c), nameof(b));
        if (typeof(T) == typeof(float) && DirectGemm.Takes(m, n, k, opB, workspace.Buffer.Length))
        {
            // A small or thin float product: straight to the direct kernels, without the general dispatch.
            MatrixProduct.DirectFloat(a, opA, b, opB, c, float.CreateTruncating(beta), workspace.Buffer.Span);
            return;
        }

        MatrixProduct.Multiply(a, opA, b, opB, c, beta, workspace.Buffer.Span);
    }

    // The throws are calls of their own: built in place, their messages' locals made every call zero a larger frame.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowUnknownTranspose(Transpose transpose, string parameterName) =>
        throw new ArgumentOutOfRangeException(parameterName, transpose, "Expected Transpose.None or Transpose.Transposed.");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowDepthMismatch(int m, int k, int bDepth, int n, string parameterName) =>
        throw new ArgumentException($"op(A) is {m} x {k}, so op(B) needs {k} rows, but it is {bDepth} x {n}.", parameterName);
}
