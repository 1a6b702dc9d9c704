using System.Runtime.CompilerServices;

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
}
