using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Span;

/// <summary>
/// 8 x 8 float transposes in Vector256 registers (AVX), for packing the operands of the AVX2 kernel
/// (<see cref="GemmMicroKernel256"/>): rows of A into the columns of its panels, and rows of B^T into rows of B's; and
/// in registers alone (<see cref="Transpose"/>), for the tiles of short rows (<see cref="ShortRowTiles256"/>).
/// </summary>
internal static unsafe class TileTranspose256
{
    /// <summary>Rows and columns of a tile.</summary>
    public const int Size = 8;

    /// <summary>
    /// destination[p * destinationStride + r] = source[r, p] for r &lt; <paramref name="rows"/>, and 0 for
    /// <paramref name="rows"/> &lt;= r &lt; <paramref name="height"/>, over p &lt; <paramref name="depth"/>: the first
    /// <paramref name="height"/> (4, 6 or 8) rows of the transpose of a block of at most 8 rows. Nothing past the block's
    /// rows or its <paramref name="depth"/> columns is read, and nothing past <paramref name="height"/> elements of each
    /// destination step is written. A whole block (as many rows as the height) goes through
    /// <see cref="CopyEightRows"/>, or <see cref="CopyFullPanel"/> when its steps are contiguous; the others through the
    /// masked transpose (<see cref="CopyMasked"/>).
    /// </summary>
    public static void Copy(float* source, nint sourceStride, int rows, int depth, float* destination, nint destinationStride, int height)
    {
        if (rows == height && height == Size)
        {
            CopyEightRows(source, sourceStride, depth, destination, destinationStride);
        }
        else if (rows == height && destinationStride == height)
        {
            CopyFullPanel(source, sourceStride, depth, destination, height);
        }
        else
        {
            CopyMasked(source, sourceStride, rows, depth, destination, destinationStride, height);
        }
    }

    /// <summary>
    /// <see cref="Copy"/> eight columns at a time with masked loads, missing rows as zeros, and each step stored in
    /// pieces of its first <paramref name="height"/> lanes. Also the copy of a narrow B's columns (at most 8 of them)
    /// for the dot-product form, eight rows at a time (<see cref="DeepNarrowGemm256"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CopyMasked(float* source, nint sourceStride, int rows, int depth, float* destination, nint destinationStride, int height)
    {
        Debug.Assert(height is 4 or 6 or Size && rows >= 0 && rows <= height, "4, 6 or 8 lanes of each column, of at most as many rows");
        for (int column = 0; column < depth; column += Size)
        {
            int blockColumns = Math.Min(Size, depth - column);
            Vector256<float> columnLanes = LaneMask.First256(blockColumns);
            float* block = source + column;

            // Row r of the block (zeros past the rows that exist), its first blockColumns elements.
            Vector256<float> zero = Vector256<float>.Zero;
            Vector256<float> r0 = rows > 0 ? Avx.MaskLoad(block, columnLanes) : zero;
            Vector256<float> r1 = rows > 1 ? Avx.MaskLoad(block + sourceStride, columnLanes) : zero;
            Vector256<float> r2 = rows > 2 ? Avx.MaskLoad(block + (2 * sourceStride), columnLanes) : zero;
            Vector256<float> r3 = rows > 3 ? Avx.MaskLoad(block + (3 * sourceStride), columnLanes) : zero;
            Vector256<float> r4 = rows > 4 ? Avx.MaskLoad(block + (4 * sourceStride), columnLanes) : zero;
            Vector256<float> r5 = rows > 5 ? Avx.MaskLoad(block + (5 * sourceStride), columnLanes) : zero;
            Vector256<float> r6 = rows > 6 ? Avx.MaskLoad(block + (6 * sourceStride), columnLanes) : zero;
            Vector256<float> r7 = rows > 7 ? Avx.MaskLoad(block + (7 * sourceStride), columnLanes) : zero;

            // Column q of the block into r_q.
            Transpose(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
            float* step = destination + (column * destinationStride);
            StoreStep(r0, step, height);
            if (blockColumns > 1) StoreStep(r1, step + destinationStride, height);
            if (blockColumns > 2) StoreStep(r2, step + (2 * destinationStride), height);
            if (blockColumns > 3) StoreStep(r3, step + (3 * destinationStride), height);
            if (blockColumns > 4) StoreStep(r4, step + (4 * destinationStride), height);
            if (blockColumns > 5) StoreStep(r5, step + (5 * destinationStride), height);
            if (blockColumns > 6) StoreStep(r6, step + (6 * destinationStride), height);
            if (blockColumns > 7) StoreStep(r7, step + (7 * destinationStride), height);
        }
    }

    /// <summary>
    /// destination[p * height + r] = source[r, p] for r &lt; <paramref name="height"/> (6 or 4) and
    /// p &lt; <paramref name="depth"/>: a full panel of the AVX2 kernel's A, from whole rows of A. Eight columns at a time,
    /// with plain loads and no rows of zeros: rows 0..3 go through two 4 x 4 transposes, one in each half of the vectors
    /// (a step's four elements in one 16-byte store), and rows 4 and 5 are interleaved into pairs (one 8-byte store a
    /// step). The last depth % 8 columns go element by element (a masked transpose of eight rows for one or two columns
    /// cost more). On an AMD Zen 3 core (interleaved in one process), the blocks of a 256 x 784 A packed in 48 us this
    /// way against 88 us through <see cref="CopyMasked"/> (a plain copy of its bytes: 34 us), and 256 x 784 x 512 ran
    /// 1.03x faster.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CopyFullPanel(float* source, nint sourceStride, int depth, float* destination, int height)
    {
        bool six = height == 6;
        Debug.Assert(height is 4 or 6, "The AVX2 kernel's panels are 6 or 4 rows high.");
        float* row2 = source + (2 * sourceStride);
        float* row4 = source + (4 * sourceStride);
        int column = 0;
        for (; column <= depth - Size; column += Size)
        {
            // Rows 0..3: t0 = (a0 b0 a1 b1 | a4 b4 a5 b5), t1 = (a2 b2 a3 b3 | a6 b6 a7 b7), t2, t3 likewise for rows 2, 3.
            Vector256<float> r0 = Vector256.Load(source + column);
            Vector256<float> r1 = Vector256.Load(source + sourceStride + column);
            Vector256<float> r2 = Vector256.Load(row2 + column);
            Vector256<float> r3 = Vector256.Load(row2 + sourceStride + column);
            Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
            Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);

            // Column q of rows 0..3 in the lower half of c_(q mod 4) for q < 4, in its upper half for q >= 4.
            Vector256<float> c0 = Avx.Shuffle(t0, t2, 0x44), c1 = Avx.Shuffle(t0, t2, 0xEE);
            Vector256<float> c2 = Avx.Shuffle(t1, t3, 0x44), c3 = Avx.Shuffle(t1, t3, 0xEE);
            float* step = destination + (column * height);
            c0.GetLower().Store(step);
            c1.GetLower().Store(step + height);
            c2.GetLower().Store(step + (2 * height));
            c3.GetLower().Store(step + (3 * height));
            c0.GetUpper().Store(step + (4 * height));
            c1.GetUpper().Store(step + (5 * height));
            c2.GetUpper().Store(step + (6 * height));
            c3.GetUpper().Store(step + (7 * height));
            if (six)
            {
                // Rows 4 and 5: pairs (e_q, f_q) of columns 0, 1 | 4, 5 in s0 and 2, 3 | 6, 7 in s1, each after its step's four.
                Vector256<float> r4 = Vector256.Load(row4 + column);
                Vector256<float> r5 = Vector256.Load(row4 + sourceStride + column);
                Vector256<float> s0 = Avx.UnpackLow(r4, r5), s1 = Avx.UnpackHigh(r4, r5);
                Vector128<float> s0Lower = s0.GetLower(), s1Lower = s1.GetLower(), s0Upper = s0.GetUpper(), s1Upper = s1.GetUpper();
                Sse.StoreLow(step + 4, s0Lower);
                Sse.StoreHigh(step + height + 4, s0Lower);
                Sse.StoreLow(step + (2 * height) + 4, s1Lower);
                Sse.StoreHigh(step + (3 * height) + 4, s1Lower);
                Sse.StoreLow(step + (4 * height) + 4, s0Upper);
                Sse.StoreHigh(step + (5 * height) + 4, s0Upper);
                Sse.StoreLow(step + (6 * height) + 4, s1Upper);
                Sse.StoreHigh(step + (7 * height) + 4, s1Upper);
            }
        }

        CopyTail(source, sourceStride, column, depth, destination, height, height);
    }

    /// <summary>
    /// destination[p * destinationStride + r] = source[r, p] for r &lt; 8 and p &lt; <paramref name="depth"/>: eight whole
    /// rows transposed (a block of B^T into the AVX2 kernel's panel of B), eight columns at a time with plain loads and
    /// whole stores; the last depth % 8 columns element by element. With the A panels' tails also taken element by
    /// element, 256 x 10 x 512 with B^T ran 1.04x faster, 64 x 10 x 128 1.10x, 512 x 1000 x 1024 1.02x (AMD Zen 3,
    /// interleaved in one process), where these blocks had gone through <see cref="CopyMasked"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CopyEightRows(float* source, nint sourceStride, int depth, float* destination, nint destinationStride)
    {
        float* row4 = source + (4 * sourceStride);
        int column = 0;
        for (; column <= depth - Size; column += Size)
        {
            Vector256<float> r0 = Vector256.Load(source + column);
            Vector256<float> r1 = Vector256.Load(source + sourceStride + column);
            Vector256<float> r2 = Vector256.Load(source + (2 * sourceStride) + column);
            Vector256<float> r3 = Vector256.Load(source + (3 * sourceStride) + column);
            Vector256<float> r4 = Vector256.Load(row4 + column);
            Vector256<float> r5 = Vector256.Load(row4 + sourceStride + column);
            Vector256<float> r6 = Vector256.Load(row4 + (2 * sourceStride) + column);
            Vector256<float> r7 = Vector256.Load(row4 + (3 * sourceStride) + column);
            Transpose(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
            float* step = destination + (column * destinationStride);
            r0.Store(step);
            r1.Store(step + destinationStride);
            r2.Store(step + (2 * destinationStride));
            r3.Store(step + (3 * destinationStride));
            r4.Store(step + (4 * destinationStride));
            r5.Store(step + (5 * destinationStride));
            r6.Store(step + (6 * destinationStride));
            r7.Store(step + (7 * destinationStride));
        }

        CopyTail(source, sourceStride, column, depth, destination, destinationStride, Size);
    }

    /// <summary>destination[p * destinationStride + r] = source[r, p] for r &lt; <paramref name="rows"/> and p from <paramref name="start"/> to <paramref name="depth"/>, element by element.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyTail(float* source, nint sourceStride, int start, int depth, float* destination, nint destinationStride, int rows)
    {
        for (int p = start; p < depth; p++)
        {
            float* step = destination + (p * destinationStride);
            float* element = source + p;
            for (int r = 0; r < rows; r++, element += sourceStride)
            {
                step[r] = *element;
            }
        }
    }

    /// <summary>
    /// Transposes eight rows of eight floats in registers: on return, r_q holds column q of the rows given (lane r is
    /// element q of row r). 24 shuffles.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transpose(
        ref Vector256<float> r0, ref Vector256<float> r1, ref Vector256<float> r2, ref Vector256<float> r3,
        ref Vector256<float> r4, ref Vector256<float> r5, ref Vector256<float> r6, ref Vector256<float> r7)
    {
        // Pairs of rows interleaved: t0 = (a0 b0 a1 b1 | a4 b4 a5 b5), t1 = (a2 b2 a3 b3 | a6 b6 a7 b7), ...
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1);
        Vector256<float> t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5);
        Vector256<float> t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);

        // Quads: u0 = (a0 b0 c0 d0 | a4 b4 c4 d4), u1 = (a1 b1 c1 d1 | a5 ..), u2 = (a2 ..| a6 ..), u3 = (a3 .. | a7 ..).
        Vector256<float> u0 = Avx.Shuffle(t0, t2, 0x44), u1 = Avx.Shuffle(t0, t2, 0xEE);
        Vector256<float> u2 = Avx.Shuffle(t1, t3, 0x44), u3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> u4 = Avx.Shuffle(t4, t6, 0x44), u5 = Avx.Shuffle(t4, t6, 0xEE);
        Vector256<float> u6 = Avx.Shuffle(t5, t7, 0x44), u7 = Avx.Shuffle(t5, t7, 0xEE);

        // Column q = lower (q < 4) or upper (q >= 4) halves of the rows' quads.
        r0 = Avx.Permute2x128(u0, u4, 0x20);
        r1 = Avx.Permute2x128(u1, u5, 0x20);
        r2 = Avx.Permute2x128(u2, u6, 0x20);
        r3 = Avx.Permute2x128(u3, u7, 0x20);
        r4 = Avx.Permute2x128(u0, u4, 0x31);
        r5 = Avx.Permute2x128(u1, u5, 0x31);
        r6 = Avx.Permute2x128(u2, u6, 0x31);
        r7 = Avx.Permute2x128(u3, u7, 0x31);
    }

    /// <summary>
    /// Lane r: the sum of the eight lanes of p_r. The eight vectors are transposed (<see cref="Transpose"/>), then added
    /// in a tree, ((p0 + p1) + (p2 + p3)) + ((p4 + p5) + (p6 + p7)).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SumsOfLanes(
        Vector256<float> p0, Vector256<float> p1, Vector256<float> p2, Vector256<float> p3, Vector256<float> p4, Vector256<float> p5,
        Vector256<float> p6, Vector256<float> p7)
    {
        Transpose(ref p0, ref p1, ref p2, ref p3, ref p4, ref p5, ref p6, ref p7);
        return ((p0 + p1) + (p2 + p3)) + ((p4 + p5) + (p6 + p7));
    }

    /// <summary>The first <paramref name="height"/> (4, 6 or 8) lanes of <paramref name="column"/> at <paramref name="target"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreStep(Vector256<float> column, float* target, int height)
    {
        if (height == Size)
        {
            column.Store(target);
            return;
        }

        column.GetLower().Store(target);
        if (height == 6)
        {
            // Lanes 4 and 5 as one 64-bit store.
            Sse2.StoreScalar((long*)(target + 4), column.GetUpper().AsInt64());
        }
    }
}
