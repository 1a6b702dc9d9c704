using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Span;

/// <summary>An element-wise operation on two operands, at every vector width and as a scalar.</summary>
internal interface IBinaryOperator<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    static abstract T Invoke(T x, T y);

    static abstract Vector128<T> Invoke(Vector128<T> x, Vector128<T> y);

    static abstract Vector256<T> Invoke(Vector256<T> x, Vector256<T> y);

    static abstract Vector512<T> Invoke(Vector512<T> x, Vector512<T> y);
}

/// <summary>An element-wise operation on one operand, at every vector width and as a scalar.</summary>
internal interface IUnaryOperator<T>
    where T : unmanaged
{
    static abstract T Invoke(T x);

    static abstract Vector128<T> Invoke(Vector128<T> x);

    static abstract Vector256<T> Invoke(Vector256<T> x);

    static abstract Vector512<T> Invoke(Vector512<T> x);
}

/// <summary>
/// The vector loop, written once: full vectors of the widest accelerated width, then one final vector
/// that overlaps the previous one instead of a scalar tail. The final vector is loaded before anything
/// is stored, so exact in-place calls (destination == x or y) stay correct.
/// </summary>
/// <remarks>
/// The loops are compiled fully optimised at once and never inlined. Inlined into a caller that was recompiled with
/// profile data, the caller ran out of inlining budget and called the operator once per vector (its arguments passed
/// through memory): the float sigmoid of 32,768 values took 17.6-21.0 us instead of 11.8.
/// </remarks>
internal static unsafe class VectorLoop
{
    /// <summary>How far ahead of the current position <see cref="Unary"/> hints lines to the cache, in bytes.</summary>
    private const int PrefetchDistance = 4096;

    /// <summary>Inputs longer than this many bytes (more than the L1 cache holds) get the hints.</summary>
    private const long StreamingBytes = 64 * 1024;

    /// <summary>Destinations longer than this many bytes (the L2 cache of one core) are written around the caches.</summary>
    private const long NonTemporalBytes = 2 * 1024 * 1024;

    /// <summary>Bytes per cache line: one hint per line.</summary>
    private const int CacheLine = 64;

    /// <summary>destination[i] = TOperator(x[i]). Lengths are checked by the caller.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void Unary<T, TOperator>(ReadOnlySpan<T> x, Span<T> destination)
        where T : unmanaged
        where TOperator : IUnaryOperator<T>
    {
        int length = x.Length;
        ref T xRef = ref MemoryMarshal.GetReference(x);
        ref T dRef = ref MemoryMarshal.GetReference(destination);

        if (Vector512.IsHardwareAccelerated && length >= Vector512<T>.Count)
        {
            if (Sse.IsSupported && (long)length * Unsafe.SizeOf<T>() > StreamingBytes)
            {
                UnaryStreaming<T, TOperator>(ref xRef, ref dRef, length);
                return;
            }

            int count = Vector512<T>.Count;
            int last = length - count;
            Vector512<T> tail = TOperator.Invoke(Vector512.LoadUnsafe(ref xRef, (nuint)last));
            int i = 0;

            // Four vectors per step: an operator such as the exponential is a long chain of dependent operations,
            // and four independent chains in flight keep the vector units busier than one at a time.
            for (; i <= last - (4 * count); i += 4 * count)
            {
                Vector512<T> v0 = TOperator.Invoke(Vector512.LoadUnsafe(ref xRef, (nuint)i));
                Vector512<T> v1 = TOperator.Invoke(Vector512.LoadUnsafe(ref xRef, (nuint)(i + count)));
                Vector512<T> v2 = TOperator.Invoke(Vector512.LoadUnsafe(ref xRef, (nuint)(i + (2 * count))));
                Vector512<T> v3 = TOperator.Invoke(Vector512.LoadUnsafe(ref xRef, (nuint)(i + (3 * count))));
                v0.StoreUnsafe(ref dRef, (nuint)i);
                v1.StoreUnsafe(ref dRef, (nuint)(i + count));
                v2.StoreUnsafe(ref dRef, (nuint)(i + (2 * count)));
                v3.StoreUnsafe(ref dRef, (nuint)(i + (3 * count)));
            }

            for (; i < last; i += count)
            {
                TOperator.Invoke(Vector512.LoadUnsafe(ref xRef, (nuint)i)).StoreUnsafe(ref dRef, (nuint)i);
            }

            tail.StoreUnsafe(ref dRef, (nuint)last);
            return;
        }

        if (Vector256.IsHardwareAccelerated && length >= Vector256<T>.Count)
        {
            int count = Vector256<T>.Count;
            int last = length - count;
            Vector256<T> tail = TOperator.Invoke(Vector256.LoadUnsafe(ref xRef, (nuint)last));
            for (int i = 0; i < last; i += count)
            {
                TOperator.Invoke(Vector256.LoadUnsafe(ref xRef, (nuint)i)).StoreUnsafe(ref dRef, (nuint)i);
            }

            tail.StoreUnsafe(ref dRef, (nuint)last);
            return;
        }

        if (Vector128.IsHardwareAccelerated && length >= Vector128<T>.Count)
        {
            int count = Vector128<T>.Count;
            int last = length - count;
            Vector128<T> tail = TOperator.Invoke(Vector128.LoadUnsafe(ref xRef, (nuint)last));
            for (int i = 0; i < last; i += count)
            {
                TOperator.Invoke(Vector128.LoadUnsafe(ref xRef, (nuint)i)).StoreUnsafe(ref dRef, (nuint)i);
            }

            tail.StoreUnsafe(ref dRef, (nuint)last);
            return;
        }

        for (int i = 0; i < length; i++)
        {
            Unsafe.Add(ref dRef, i) = TOperator.Invoke(Unsafe.Add(ref xRef, i));
        }
    }

    /// <summary>
    /// The Vector512 form of <see cref="Unary"/> for inputs larger than the L1 cache. Its stores start at a cache-line
    /// boundary of the destination, it hints the lines ahead to the cache, and a destination larger than the L2 cache
    /// is written around the caches. length * sizeof(T) exceeds <see cref="StreamingBytes"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void UnaryStreaming<T, TOperator>(ref T xRef, ref T dRef, int length)
        where T : unmanaged
        where TOperator : IUnaryOperator<T>
    {
        int count = Vector512<T>.Count;
        int last = length - count;

        // The first and the last vector are computed before anything is stored and stored after everything else. The
        // loop between them starts at the destination's first cache-line boundary; in place, the elements it shares
        // with the first or last vector are written twice with the same values.
        Vector512<T> head = TOperator.Invoke(Vector512.LoadUnsafe(ref xRef));
        Vector512<T> tail = TOperator.Invoke(Vector512.LoadUnsafe(ref xRef, (nuint)last));

        // Pinned, so that the alignment found here holds for the whole loop.
        fixed (T* xPointer = &xRef)
        fixed (T* destination = &dRef)
        {
            // A 64-byte store that straddles two cache lines costs two; a sigmoid of 1M floats into an array 16 bytes
            // off a line boundary ran about 8% faster once its stores were aligned.
            nint bytesToLine = (CacheLine - ((nint)destination & (CacheLine - 1))) & (CacheLine - 1);
            int i = (int)(bytesToLine / sizeof(T));

            // Writing around the caches saves reading each destination line in before it is overwritten, and a
            // destination larger than L2 would not stay in it anyway. Below that size, the result left in L2 for the
            // next step is worth more (1M floats: 1.1-1.25x faster; 256K floats: 0.8x).
            bool bypassCaches = Avx512F.IsSupported
                && (long)length * sizeof(T) > NonTemporalBytes
                && ((nint)(destination + i) & (CacheLine - 1)) == 0;

            // Four vectors per step, as in Unary.
            for (; i <= last - (4 * count); i += 4 * count)
            {
                // Hints 4 KiB ahead, one per cache line: with the operator keeping the core busy, the hardware
                // prefetcher alone falls behind on inputs larger than the caches, and a store to a line not yet in the
                // cache holds up the ones behind it. A float sigmoid of 1M values ran about 1.5x faster with them. A
                // prefetch never faults, even past the end.
                byte* xAhead = (byte*)(xPointer + i) + PrefetchDistance;
                Sse.Prefetch0(xAhead);
                Sse.Prefetch0(xAhead + CacheLine);
                Sse.Prefetch0(xAhead + (2 * CacheLine));
                Sse.Prefetch0(xAhead + (3 * CacheLine));

                Vector512<T> v0 = TOperator.Invoke(Vector512.Load(xPointer + i));
                Vector512<T> v1 = TOperator.Invoke(Vector512.Load(xPointer + i + count));
                Vector512<T> v2 = TOperator.Invoke(Vector512.Load(xPointer + i + (2 * count)));
                Vector512<T> v3 = TOperator.Invoke(Vector512.Load(xPointer + i + (3 * count)));
                if (bypassCaches)
                {
                    Avx512F.StoreAlignedNonTemporal((float*)(destination + i), v0.AsSingle());
                    Avx512F.StoreAlignedNonTemporal((float*)(destination + i + count), v1.AsSingle());
                    Avx512F.StoreAlignedNonTemporal((float*)(destination + i + (2 * count)), v2.AsSingle());
                    Avx512F.StoreAlignedNonTemporal((float*)(destination + i + (3 * count)), v3.AsSingle());
                }
                else
                {
                    byte* destinationAhead = (byte*)(destination + i) + PrefetchDistance;
                    Sse.Prefetch0(destinationAhead);
                    Sse.Prefetch0(destinationAhead + CacheLine);
                    Sse.Prefetch0(destinationAhead + (2 * CacheLine));
                    Sse.Prefetch0(destinationAhead + (3 * CacheLine));
                    v0.Store(destination + i);
                    v1.Store(destination + i + count);
                    v2.Store(destination + i + (2 * count));
                    v3.Store(destination + i + (3 * count));
                }
            }

            for (; i < last; i += count)
            {
                TOperator.Invoke(Vector512.Load(xPointer + i)).Store(destination + i);
            }

            if (bypassCaches)
            {
                // Orders the stores that went around the caches before the ones below and before the caller's.
                Sse.StoreFence();
            }

            head.Store(destination);
            tail.Store(destination + last);
        }
    }

    /// <summary>destination[i] = TOperator(x[i], y[i]). Lengths are checked by the caller.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void Binary<T, TOperator>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TOperator : IBinaryOperator<T>
    {
        int length = x.Length;
        ref T xRef = ref MemoryMarshal.GetReference(x);
        ref T yRef = ref MemoryMarshal.GetReference(y);
        ref T dRef = ref MemoryMarshal.GetReference(destination);

        if (Vector512.IsHardwareAccelerated && length >= Vector512<T>.Count)
        {
            int count = Vector512<T>.Count;
            int last = length - count;
            Vector512<T> tail = TOperator.Invoke(Vector512.LoadUnsafe(ref xRef, (nuint)last), Vector512.LoadUnsafe(ref yRef, (nuint)last));
            for (int i = 0; i < last; i += count)
            {
                TOperator.Invoke(Vector512.LoadUnsafe(ref xRef, (nuint)i), Vector512.LoadUnsafe(ref yRef, (nuint)i))
                    .StoreUnsafe(ref dRef, (nuint)i);
            }

            tail.StoreUnsafe(ref dRef, (nuint)last);
            return;
        }

        if (Vector256.IsHardwareAccelerated && length >= Vector256<T>.Count)
        {
            int count = Vector256<T>.Count;
            int last = length - count;
            Vector256<T> tail = TOperator.Invoke(Vector256.LoadUnsafe(ref xRef, (nuint)last), Vector256.LoadUnsafe(ref yRef, (nuint)last));
            for (int i = 0; i < last; i += count)
            {
                TOperator.Invoke(Vector256.LoadUnsafe(ref xRef, (nuint)i), Vector256.LoadUnsafe(ref yRef, (nuint)i))
                    .StoreUnsafe(ref dRef, (nuint)i);
            }

            tail.StoreUnsafe(ref dRef, (nuint)last);
            return;
        }

        if (Vector128.IsHardwareAccelerated && length >= Vector128<T>.Count)
        {
            int count = Vector128<T>.Count;
            int last = length - count;
            Vector128<T> tail = TOperator.Invoke(Vector128.LoadUnsafe(ref xRef, (nuint)last), Vector128.LoadUnsafe(ref yRef, (nuint)last));
            for (int i = 0; i < last; i += count)
            {
                TOperator.Invoke(Vector128.LoadUnsafe(ref xRef, (nuint)i), Vector128.LoadUnsafe(ref yRef, (nuint)i))
                    .StoreUnsafe(ref dRef, (nuint)i);
            }

            tail.StoreUnsafe(ref dRef, (nuint)last);
            return;
        }

        for (int i = 0; i < length; i++)
        {
            Unsafe.Add(ref dRef, i) = TOperator.Invoke(Unsafe.Add(ref xRef, i), Unsafe.Add(ref yRef, i));
        }
    }
}

/// <summary>x * (1 - x): the sigmoid's derivative from its output when y == x.</summary>
internal readonly struct SigmoidDerivativeOperator<T> : IBinaryOperator<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    // Only x is used; y is the same span (see Activations.SigmoidDerivativeFromOutput).
    public static T Invoke(T x, T y) => x * (T.One - x);

    public static Vector128<T> Invoke(Vector128<T> x, Vector128<T> y) => x * (Vector128<T>.One - x);

    public static Vector256<T> Invoke(Vector256<T> x, Vector256<T> y) => x * (Vector256<T>.One - x);

    public static Vector512<T> Invoke(Vector512<T> x, Vector512<T> y) => x * (Vector512<T>.One - x);
}

/// <summary>g * h * (1 - h): a gradient g pulled back through a sigmoid whose output is h.</summary>
internal readonly struct SigmoidBackwardOperator<T> : IBinaryOperator<T>
    where T : unmanaged, IFloatingPointIeee754<T>
{
    public static T Invoke(T g, T h) => g * (h * (T.One - h));

    public static Vector128<T> Invoke(Vector128<T> g, Vector128<T> h) => g * (h * (Vector128<T>.One - h));

    public static Vector256<T> Invoke(Vector256<T> g, Vector256<T> h) => g * (h * (Vector256<T>.One - h));

    public static Vector512<T> Invoke(Vector512<T> g, Vector512<T> h) => g * (h * (Vector512<T>.One - h));
}
