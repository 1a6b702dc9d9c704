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
/// (sub-matrices with a pitch work), allocation-free. With AVX-512, or AVX2 and FMA, it runs a packed, cache-blocked,
/// register-blocked kernel (and unpacked register tiles for small and thin float products); otherwise a direct
/// vectorised loop.
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
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
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
    // Inlined into the caller, which hands over each view as its first element, height, width and row stride: a view
    // passed whole is copied to the stack, and when the caller's view was just built by a constructor that is not
    // inlined, the copy reads it back in wider pieces than it was written, each read waiting for the constructor's
    // stores to reach the cache.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Multiply<T>(
        ReadOnlySpan2D<T> a, Transpose transposeA, ReadOnlySpan2D<T> b, Transpose transposeB, Span2D<T> c, T beta, GemmWorkspace<T> workspace)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Multiply(
            ref a.DangerousGetReference(), a.Height, a.Width, MatrixMemory.RowStride(a), transposeA,
            ref b.DangerousGetReference(), b.Height, b.Width, MatrixMemory.RowStride(b), transposeB,
            ref c.DangerousGetReference(), c.Height, c.Width, MatrixMemory.RowStride((ReadOnlySpan2D<T>)c), beta, workspace);

    /// <summary>
    /// <see cref="Multiply{T}(ReadOnlySpan2D{T}, Transpose, ReadOnlySpan2D{T}, Transpose, Span2D{T}, T, GemmWorkspace{T})"/>
    /// for views given by their first element, height, width and row stride.
    /// </summary>
    private static unsafe void Multiply<T>(
        ref T a, int aHeight, int aWidth, nint aStride, Transpose transposeA,
        ref T b, int bHeight, int bWidth, nint bStride, Transpose transposeB,
        ref T c, int cHeight, int cWidth, nint cStride, T beta, GemmWorkspace<T> workspace)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // The smallest plain products (the seed's X W1, 20 x 10 x 5) are told apart first, on the arguments as given, and
        // checked on their own: with both operands as stored, the transposes are known to be valid and op(A) and op(B) are
        // A and B, so the general checks' selections fall away; the checks themselves (CheckOperands) are the same, in the
        // same order. The kernel then runs without the workspace's room, which it does not use, and the direct call further
        // down never asks for it again. 20 x 10 x 5 ran 1.05-1.08x as fast, 9 x 7 x 3 1.10x (with the simpler quarter
        // starts in DepthPairGemm; two builds loaded twice each into one process, their calls alternating, on an AMD Zen 5
        // core).
        if (typeof(T) == typeof(float) && transposeA == Transpose.None && transposeB == Transpose.None &&
            DirectGemm.TakesDepthPair(aHeight, bWidth, aWidth, Operand.AsIs, Operand.AsIs, float.CreateTruncating(beta), aStride))
        {
            ArgumentNullException.ThrowIfNull(workspace);
            CheckOperands(ref a, aHeight, aWidth, aStride, ref b, bHeight, bWidth, bStride, ref c, cHeight, cWidth, cStride, aHeight, aWidth, bHeight, bWidth);
            fixed (T* aPointer = &a)
            fixed (T* bPointer = &b)
            fixed (T* cPointer = &c)
            {
                DepthPairGemm.Multiply((float*)aPointer, aStride, (float*)bPointer, bStride, (float*)cPointer, cStride, aHeight, bWidth, aWidth);
            }

            return;
        }

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
        int m = opA == Operand.Transposed ? aWidth : aHeight;
        int k = opA == Operand.Transposed ? aHeight : aWidth;
        int bDepth = opB == Operand.Transposed ? bWidth : bHeight;
        int n = opB == Operand.Transposed ? bHeight : bWidth;
        CheckOperands(ref a, aHeight, aWidth, aStride, ref b, bHeight, bWidth, bStride, ref c, cHeight, cWidth, cStride, m, k, bDepth, n);

        Span<T> packing = workspace.Buffer.Span;
        if (typeof(T) == typeof(float) && DirectGemm.Takes(m, n, k, opB, packing.Length))
        {
            // A small or thin float product: straight to the direct kernels, without the general dispatch.
            fixed (T* aPointer = &a)
            fixed (T* bPointer = &b)
            fixed (T* cPointer = &c)
            fixed (T* scratch = packing)
            {
                DirectGemm.Multiply(
                    (float*)aPointer, aStride, opA, (float*)bPointer, bStride, opB, (float*)cPointer, cStride, m, n, k, float.CreateTruncating(beta),
                    (float*)scratch, default);
            }

            return;
        }

        if (typeof(T) == typeof(float) && NarrowGemm256.Takes(m, n, opB) && m > 0 && n > 0 && k > 0)
        {
            // The same without AVX-512: a narrow float C with B as stored, straight to its kernels. Through the general
            // dispatch (three views built, then checked and taken apart again, in three calls), 20 x 10 x 5 took 1.44x as
            // long (0.18 against 0.13 us) and 1 x 64 x 32 1.10x; 256 x 512 x 10 as long (AMD Zen 3, two builds
            // interleaved in one process).
            fixed (T* aPointer = &a)
            fixed (T* bPointer = &b)
            fixed (T* cPointer = &c)
            {
                // Element (i, p) of op(A): A[i, p] as stored, A[p, i] transposed.
                NarrowGemm256.Multiply(
                    (float*)aPointer, opA == Operand.AsIs ? aStride : 1, opA == Operand.AsIs ? 1 : aStride, (float*)bPointer, bStride, (float*)cPointer, cStride,
                    m, n, k, float.CreateTruncating(beta), null);
            }

            return;
        }

        MultiplyGeneral(ref a, aHeight, aWidth, aStride, opA, ref b, bHeight, bWidth, bStride, opB, ref c, cHeight, cWidth, cStride, beta, packing);
    }

    /// <summary>
    /// Rejects operands that do not fit (op(A) is <paramref name="m"/> x <paramref name="k"/>, op(B)
    /// <paramref name="bDepth"/> x <paramref name="n"/>, C must be M x N) and a C that shares memory with A or B.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CheckOperands<T>(
        ref T a, int aHeight, int aWidth, nint aStride, ref T b, int bHeight, int bWidth, nint bStride, ref T c, int cHeight, int cWidth, nint cStride,
        int m, int k, int bDepth, int n)
    {
        if (bDepth != k)
        {
            ThrowDepthMismatch(m, k, bDepth, n, nameof(b));
        }

        Guard.Shape(cHeight, cWidth, m, n, nameof(c));
        Guard.NoOverlap(ref a, aHeight, aWidth, aStride, ref c, cHeight, cWidth, cStride, nameof(c), nameof(a));
        Guard.NoOverlap(ref b, bHeight, bWidth, bStride, ref c, cHeight, cWidth, cStride, nameof(c), nameof(b));
    }

    /// <summary>The products the direct kernels do not take, on views rebuilt from their first elements.</summary>
    // A call of its own, so that the views it builds do not enlarge the frame of the direct products' path.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void MultiplyGeneral<T>(
        ref T a, int aHeight, int aWidth, nint aStride, Operand opA,
        ref T b, int bHeight, int bWidth, nint bStride, Operand opB,
        ref T c, int cHeight, int cWidth, nint cStride, T beta, Span<T> packing)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        MatrixProduct.Multiply(
            View(ref a, aHeight, aWidth, aStride), opA, View(ref b, bHeight, bWidth, bStride), opB,
            View(ref c, cHeight, cWidth, cStride), beta, packing);

    /// <summary>The view of <paramref name="height"/> rows of <paramref name="width"/> elements, <paramref name="stride"/> apart, from <paramref name="first"/>.</summary>
    private static Span2D<T> View<T>(ref T first, int height, int width, nint stride) =>
        height == 0 || width == 0 ? Span2D<T>.Empty : Span2D<T>.DangerousCreate(ref first, height, width, (int)(stride - width));

    // The throws are calls of their own: built in place, their messages' locals made every call zero a larger frame.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowUnknownTranspose(Transpose transpose, string parameterName) =>
        throw new ArgumentOutOfRangeException(parameterName, transpose, "Expected Transpose.None or Transpose.Transposed.");

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowDepthMismatch(int m, int k, int bDepth, int n, string parameterName) =>
        throw new ArgumentException($"op(A) is {m} x {k}, so op(B) needs {k} rows, but it is {bDepth} x {n}.", parameterName);
}
