using System.Runtime.CompilerServices;
using CommunityToolkit.HighPerformance;

namespace Nn.Span;

/// <summary>How two matrix views share memory.</summary>
internal enum MatrixOverlap
{
    /// <summary>No element is shared.</summary>
    None,

    /// <summary>Both views start at the same element with the same pitch and width (an in-place call).</summary>
    Exact,

    /// <summary>Some element is shared, but the views are not the same.</summary>
    Partial,
}

/// <summary>Geometry of <see cref="ReadOnlySpan2D{T}"/> views: row stride and overlap.</summary>
internal static class MatrixMemory
{
    /// <summary>Distance in elements between the starts of two consecutive rows (width + pitch).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static nint RowStride<T>(ReadOnlySpan2D<T> matrix)
    {
        if (matrix.Height < 2)
        {
            return matrix.Width;
        }

        ref T first = ref matrix.DangerousGetReference();
        ref T second = ref matrix.DangerousGetReferenceAt(1, 0);
        return Unsafe.ByteOffset(ref first, ref second) / Unsafe.SizeOf<T>();
    }

    /// <summary>
    /// Decides whether two views share an element. Views with the same row stride are compared exactly
    /// (so two column blocks of one matrix do not overlap); views with different strides are compared by
    /// their address ranges, which may reject an exotic interleaving that shares no element.
    /// </summary>
    // Inlined: the argument checks of every call run it on views of distinct buffers, which the address ranges alone
    // tell apart; the exact test of overlapping ranges is a call of its own.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static MatrixOverlap Overlap<T>(ReadOnlySpan2D<T> a, ReadOnlySpan2D<T> b) =>
        Overlap(
            ref a.DangerousGetReference(), a.Height, a.Width, RowStride(a),
            ref b.DangerousGetReference(), b.Height, b.Width, RowStride(b));

    /// <summary>
    /// <see cref="Overlap{T}(ReadOnlySpan2D{T}, ReadOnlySpan2D{T})"/> for views given by their first element, height,
    /// width and row stride.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static MatrixOverlap Overlap<T>(ref T a, int heightA, int widthA, nint strideA, ref T b, int heightB, int widthB, nint strideB)
    {
        if (heightA == 0 || widthA == 0 || heightB == 0 || widthB == 0)
        {
            return MatrixOverlap.None;
        }

        nint size = Unsafe.SizeOf<T>();
        nint byteOffset = Unsafe.ByteOffset(ref a, ref b); // start of b relative to start of a
        nint extentA = (((heightA - 1) * strideA) + widthA) * size;
        nint extentB = (((heightB - 1) * strideB) + widthB) * size;

        // Address ranges [0, extentA) and [byteOffset, byteOffset + extentB) do not intersect.
        if (byteOffset >= extentA || byteOffset + extentB <= 0)
        {
            return MatrixOverlap.None;
        }

        return OverlappingRanges(heightA, widthA, strideA, heightB, widthB, strideB, byteOffset, size);
    }

    /// <summary>The exact test for views whose address ranges intersect (see <see cref="Overlap{T}(ReadOnlySpan2D{T}, ReadOnlySpan2D{T})"/>).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static MatrixOverlap OverlappingRanges(int heightA, int widthA, nint strideA, int heightB, int widthB, nint strideB, nint byteOffset, nint size)
    {
        if (byteOffset == 0 && strideA == strideB && widthA == widthB)
        {
            return MatrixOverlap.Exact;
        }

        if (strideA != strideB || byteOffset % size != 0 || heightA == 1 && heightB == 1)
        {
            return MatrixOverlap.Partial;
        }

        // Same stride s: element (i, j) of b is element offset + i*s + j of a's frame. Split offset into
        // whole rows q and a column shift r (0 <= r < s); b's row i covers a's columns [r, r + wB) of
        // row i + q, wrapping past s into row i + q + 1.
        nint s = strideA;
        nint elementOffset = byteOffset / size;
        nint q = elementOffset >= 0 ? elementOffset / s : -((-elementOffset + s - 1) / s);
        nint r = elementOffset - (q * s);
        return SharesElement(q, r, widthB, heightB, widthA, heightA, s)
            ? MatrixOverlap.Partial
            : MatrixOverlap.None;
    }

    private static bool SharesElement(nint q, nint r, nint widthB, nint heightB, nint widthA, nint heightA, nint s)
    {
        // Unwrapped part: a's columns [r, min(r + wB, s)) of rows q .. q + hB - 1.
        bool columnsMeet = r < widthA;
        if (columnsMeet && RowsMeet(q, heightB, heightA))
        {
            return true;
        }

        // Wrapped part: a's columns [0, r + wB - s) of rows q + 1 .. q + hB.
        return r + widthB > s && RowsMeet(q + 1, heightB, heightA);
    }

    private static bool RowsMeet(nint firstRow, nint count, nint heightA) =>
        firstRow < heightA && firstRow + count > 0;
}
