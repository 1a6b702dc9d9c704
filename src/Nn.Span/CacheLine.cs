using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace Nn.Span;

/// <summary>
/// 64-byte alignment for scratch memory on the stack. stackalloc gives no more than 16-byte alignment, and where a
/// buffer then starts varies from process to process with the stack's starting address; a Vector512 load or store at
/// an address that is not a multiple of 64 spans two cache lines, and costs two accesses. The seed network's step,
/// whose scratch is on the stack, measured 567-590 ns per call in processes where it happened to be aligned and
/// 680-810 ns in the others (AMD Zen 4).
/// </summary>
internal static unsafe class CacheLine
{
    /// <summary>Bytes in a cache line, and the alignment of a Vector512.</summary>
    public const int Bytes = 64;

    /// <summary>
    /// The first 64-byte aligned address at or after <paramref name="memory"/>: allocate <see cref="Bytes"/> more than
    /// the buffer needs (e.g. 16 floats more), then use the buffer from here.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static T* Align<T>(T* memory)
        where T : unmanaged =>
        (T*)(((nint)memory + (Bytes - 1)) & ~(nint)(Bytes - 1));

    /// <summary>
    /// Requests the lines of <paramref name="rows"/> rows of <paramref name="columns"/> elements, <paramref name="stride"/>
    /// elements apart, into L1 ahead of their use (prefetch hints: no fault, no wait; nothing without SSE). A row is at most 128 bytes (a
    /// tile of the packed product), so its first byte, the byte 64 further and its last byte name every line it touches.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void RequestRows<T>(T* first, nint stride, int rows, int columns)
        where T : unmanaged
    {
        Debug.Assert(columns * sizeof(T) <= 2 * Bytes, "A row spans at most 128 bytes.");
        if (!Sse.IsSupported)
        {
            // No prefetch instruction to use (hardware intrinsics off): the hints are only hints.
            return;
        }

        byte* row = (byte*)first;
        nint rowBytes = stride * sizeof(T);
        nint lastByte = (columns * sizeof(T)) - 1;
        for (int r = 0; r < rows; r++, row += rowBytes)
        {
            Sse.Prefetch0(row);
            Sse.Prefetch0(row + Bytes);
            Sse.Prefetch0(row + lastByte);
        }
    }
}
