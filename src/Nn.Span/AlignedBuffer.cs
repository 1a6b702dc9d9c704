using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nn.Span;

/// <summary>
/// One pinned array whose usable part starts on a 64-byte boundary (a cache line, one Vector512), so that vector
/// loads never split a cache line. It never moves, but it is freed once unreachable: code takes its address through
/// <see cref="Span"/> in a fixed statement, which keeps it alive for as long as the pointer is used.
/// </summary>
internal sealed class AlignedBuffer<T>
    where T : unmanaged
{
    /// <summary>The alignment of the first usable element, in bytes.</summary>
    public const int AlignmentBytes = 64;

    private readonly T[] _array;
    private readonly int _origin;

    /// <summary>Allocates room for <paramref name="length"/> elements (uninitialised).</summary>
    public AlignedBuffer(long length)
    {
        long withSlack = length + (AlignmentBytes / Unsafe.SizeOf<T>());
        if (withSlack > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(length), $"{length} elements do not fit in one array.");
        }

        _array = GC.AllocateUninitializedArray<T>((int)withSlack, pinned: true);
        _origin = AlignedOrigin(_array);
        Length = (int)length;
    }

    /// <summary>The number of usable elements.</summary>
    public int Length { get; }

    /// <summary>The size of the underlying allocation, in bytes.</summary>
    public long SizeInBytes => (long)_array.Length * Unsafe.SizeOf<T>();

    /// <summary>The usable elements.</summary>
    public Span<T> Span => _array.AsSpan(_origin, Length);

    /// <summary>The usable elements from <paramref name="offset"/> on.</summary>
    public Span<T> Slice(int offset, int length) => _array.AsSpan(_origin + offset, length);

    /// <summary>Index of the first element of a pinned array that lies on a 64-byte boundary.</summary>
    private static unsafe int AlignedOrigin(T[] array)
    {
        nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        nuint misalignment = address % AlignmentBytes;
        return misalignment == 0 ? 0 : (int)((AlignmentBytes - misalignment) / (nuint)Unsafe.SizeOf<T>());
    }
}
