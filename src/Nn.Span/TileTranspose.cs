using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Span;

/// <summary>
/// 16 x 16 float transposes in Vector512 registers: the short-row softmax turns sixteen rows into columns with it,
/// and the direct product turns a transposed operand the right way round.
/// </summary>
[SkipLocalsInit]
internal static unsafe class TileTranspose
{
    /// <summary>Rows and columns of a tile.</summary>
    public const int Size = 16;

    /// <summary>Vectors to stackalloc for one tile, so that <see cref="Aligned"/> finds a 64-byte aligned tile in them.</summary>
    public const int MemoryLength = Size + 1;

    /// <summary>The 64-byte aligned tile inside <paramref name="memory"/> (<see cref="MemoryLength"/> vectors).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float>* Aligned(Vector512<float>* memory) =>
        CacheLine.Align(memory);

    /// <summary>
    /// destination (columns x rows, row stride <paramref name="destinationStride"/>) = source^T, for a source of
    /// <paramref name="rows"/> x <paramref name="columns"/> (row stride <paramref name="sourceStride"/>), one 16 x 16
    /// block at a time with masked loads and stores: nothing past either matrix is read or written.
    /// </summary>
    public static void Copy(float* source, nint sourceStride, int rows, int columns, float* destination, nint destinationStride)
    {
        Vector512<float>* memory = stackalloc Vector512<float>[MemoryLength];
        Vector512<float>* tile = Aligned(memory);
        for (int row = 0; row < rows; row += Size)
        {
            int blockRows = Math.Min(Size, rows - row);
            Vector512<float> rowLanes = LaneMask.First(blockRows);
            for (int column = 0; column < columns; column += Size)
            {
                int blockColumns = Math.Min(Size, columns - column);
                Vector512<float> columnLanes = LaneMask.First(blockColumns);
                float* block = source + (row * sourceStride) + column;
                if (blockRows == Size)
                {
                    FullBlock(block, sourceStride, columnLanes, blockColumns, destination + (column * destinationStride) + row, destinationStride);
                    continue;
                }

                for (int r = 0; r < Size; r++)
                {
                    tile[r] = r < blockRows ? Avx512F.MaskLoad(block + (r * sourceStride), columnLanes, Vector512<float>.Zero) : Vector512<float>.Zero;
                }

                InPlace(tile);

                // destination[column + q, row + r] = source[row + r, column + q]
                float* target = destination + (column * destinationStride) + row;
                for (int q = 0; q < blockColumns; q++)
                {
                    Avx512F.MaskStore(target + (q * destinationStride), rowLanes, tile[q]);
                }
            }
        }
    }

    /// <summary>
    /// target[q, 0..15] = block[0..15, q] for q &lt; <paramref name="columns"/>: sixteen full rows of at most 16 columns,
    /// transposed in registers, each column stored as one full row of the target.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FullBlock(float* block, nint sourceStride, Vector512<float> columnLanes, int columns, float* target, nint targetStride)
    {
        LoadRows(
            block, sourceStride, columnLanes, Size, out Vector512<float> t0, out Vector512<float> t1, out Vector512<float> t2, out Vector512<float> t3,
            out Vector512<float> t4, out Vector512<float> t5, out Vector512<float> t6, out Vector512<float> t7, out Vector512<float> t8,
            out Vector512<float> t9, out Vector512<float> t10, out Vector512<float> t11, out Vector512<float> t12, out Vector512<float> t13,
            out Vector512<float> t14, out Vector512<float> t15);
        InRegisters(ref t0, ref t1, ref t2, ref t3, ref t4, ref t5, ref t6, ref t7, ref t8, ref t9, ref t10, ref t11, ref t12, ref t13, ref t14, ref t15);
        t0.Store(target);
        if (columns > 1) t1.Store(target + targetStride);
        if (columns > 2) t2.Store(target + (2 * targetStride));
        if (columns > 3) t3.Store(target + (3 * targetStride));
        if (columns > 4) t4.Store(target + (4 * targetStride));
        if (columns > 5) t5.Store(target + (5 * targetStride));
        if (columns > 6) t6.Store(target + (6 * targetStride));
        if (columns > 7) t7.Store(target + (7 * targetStride));
        if (columns > 8) t8.Store(target + (8 * targetStride));
        if (columns > 9) t9.Store(target + (9 * targetStride));
        if (columns > 10) t10.Store(target + (10 * targetStride));
        if (columns > 11) t11.Store(target + (11 * targetStride));
        if (columns > 12) t12.Store(target + (12 * targetStride));
        if (columns > 13) t13.Store(target + (13 * targetStride));
        if (columns > 14) t14.Store(target + (14 * targetStride));
        if (columns > 15) t15.Store(target + (15 * targetStride));
    }

    /// <summary>
    /// t_r = row r of <paramref name="block"/> (row stride <paramref name="sourceStride"/>) under
    /// <paramref name="columnLanes"/>, 0 in the other lanes, for the sixteen rows r of a tile; rows from
    /// <paramref name="rows"/> (8, 12 or 16, a constant where inlined) on are not read and hold 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadRows(
        float* block, nint sourceStride, Vector512<float> columnLanes, int rows, out Vector512<float> t0, out Vector512<float> t1, out Vector512<float> t2,
        out Vector512<float> t3, out Vector512<float> t4, out Vector512<float> t5, out Vector512<float> t6, out Vector512<float> t7,
        out Vector512<float> t8, out Vector512<float> t9, out Vector512<float> t10, out Vector512<float> t11, out Vector512<float> t12,
        out Vector512<float> t13, out Vector512<float> t14, out Vector512<float> t15)
    {
        Vector512<float> zero = Vector512<float>.Zero;
        t0 = Avx512F.MaskLoad(block, columnLanes, zero);
        t1 = Avx512F.MaskLoad(block + sourceStride, columnLanes, zero);
        t2 = Avx512F.MaskLoad(block + (2 * sourceStride), columnLanes, zero);
        t3 = Avx512F.MaskLoad(block + (3 * sourceStride), columnLanes, zero);
        t4 = Avx512F.MaskLoad(block + (4 * sourceStride), columnLanes, zero);
        t5 = Avx512F.MaskLoad(block + (5 * sourceStride), columnLanes, zero);
        t6 = Avx512F.MaskLoad(block + (6 * sourceStride), columnLanes, zero);
        t7 = Avx512F.MaskLoad(block + (7 * sourceStride), columnLanes, zero);
        t8 = rows > 8 ? Avx512F.MaskLoad(block + (8 * sourceStride), columnLanes, zero) : zero;
        t9 = rows > 9 ? Avx512F.MaskLoad(block + (9 * sourceStride), columnLanes, zero) : zero;
        t10 = rows > 10 ? Avx512F.MaskLoad(block + (10 * sourceStride), columnLanes, zero) : zero;
        t11 = rows > 11 ? Avx512F.MaskLoad(block + (11 * sourceStride), columnLanes, zero) : zero;
        t12 = rows > 12 ? Avx512F.MaskLoad(block + (12 * sourceStride), columnLanes, zero) : zero;
        t13 = rows > 13 ? Avx512F.MaskLoad(block + (13 * sourceStride), columnLanes, zero) : zero;
        t14 = rows > 14 ? Avx512F.MaskLoad(block + (14 * sourceStride), columnLanes, zero) : zero;
        t15 = rows > 15 ? Avx512F.MaskLoad(block + (15 * sourceStride), columnLanes, zero) : zero;
    }

    /// <summary>
    /// Packs <paramref name="height"/> rows (12 or 8) of <paramref name="depth"/> floats (row stride
    /// <paramref name="sourceStride"/>) as one panel of the packed product: panel[p * height + r] = source[r, p].
    /// Sixteen columns at a time, the rows (and rows of zeros up to sixteen) are transposed in registers, and column p's
    /// first <paramref name="height"/> lanes are step p of the panel. The tile stays in registers from load to store:
    /// through a tile in stack memory, packing every A block of a 512 x 1024 A took 225-235 us, in registers 120-150 us
    /// (two panels of eight from sixteen rows; Intel Xeon, Sapphire Rapids class). A twelve-row panel's full blocks of
    /// sixteen columns take a shorter transpose of their own (<see cref="TwelveRowBlock"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CopyPanel(float* source, nint sourceStride, int depth, float* panel, int height)
    {
        for (int column = 0; column < depth; column += Size)
        {
            int blockColumns = Math.Min(Size, depth - column);
            Vector512<float> columnLanes = LaneMask.First(blockColumns);
            // Calls with constant heights, so that each inlined copy loads and stores only its rows.
            if (height == 12 && blockColumns == Size)
            {
                TwelveRowBlock(source + column, sourceStride, panel + (column * 12));
            }
            else if (height == GemmBlocking.TileRows)
            {
                PanelBlock(source + column, sourceStride, columnLanes, blockColumns, panel + (column * GemmBlocking.TileRows), GemmBlocking.TileRows);
            }
            else
            {
                PanelBlock(source + column, sourceStride, columnLanes, blockColumns, panel + (column * GemmBlocking.NarrowTileRows), GemmBlocking.NarrowTileRows);
            }
        }
    }

    /// <summary>
    /// panel[q * height + r] = block[r, q] for r &lt; <paramref name="height"/> and q &lt; <paramref name="columns"/>:
    /// twelve or eight rows of at most 16 columns, transposed in registers, each column's first lanes stored as one
    /// step of the panel. Inlined with a constant height.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PanelBlock(float* block, nint sourceStride, Vector512<float> columnLanes, int columns, float* panel, int height)
    {
        LoadRows(
            block, sourceStride, columnLanes, height, out Vector512<float> t0, out Vector512<float> t1, out Vector512<float> t2,
            out Vector512<float> t3, out Vector512<float> t4, out Vector512<float> t5, out Vector512<float> t6, out Vector512<float> t7,
            out Vector512<float> t8, out Vector512<float> t9, out Vector512<float> t10, out Vector512<float> t11, out Vector512<float> t12,
            out Vector512<float> t13, out Vector512<float> t14, out Vector512<float> t15);
        InRegisters(ref t0, ref t1, ref t2, ref t3, ref t4, ref t5, ref t6, ref t7, ref t8, ref t9, ref t10, ref t11, ref t12, ref t13, ref t14, ref t15);
        StoreStep(t0, panel, height);
        if (columns > 1) StoreStep(t1, panel + height, height);
        if (columns > 2) StoreStep(t2, panel + (2 * height), height);
        if (columns > 3) StoreStep(t3, panel + (3 * height), height);
        if (columns > 4) StoreStep(t4, panel + (4 * height), height);
        if (columns > 5) StoreStep(t5, panel + (5 * height), height);
        if (columns > 6) StoreStep(t6, panel + (6 * height), height);
        if (columns > 7) StoreStep(t7, panel + (7 * height), height);
        if (columns > 8) StoreStep(t8, panel + (8 * height), height);
        if (columns > 9) StoreStep(t9, panel + (9 * height), height);
        if (columns > 10) StoreStep(t10, panel + (10 * height), height);
        if (columns > 11) StoreStep(t11, panel + (11 * height), height);
        if (columns > 12) StoreStep(t12, panel + (12 * height), height);
        if (columns > 13) StoreStep(t13, panel + (13 * height), height);
        if (columns > 14) StoreStep(t14, panel + (14 * height), height);
        if (columns > 15) StoreStep(t15, panel + (15 * height), height);
    }

    /// <summary>
    /// panel[q * 12 + r] = block[r, q] for twelve full rows of sixteen columns (a full panel of MR rows, away from its
    /// last columns): the rows interleaved in pairs, then in fours, after which 128-bit lane l of b[4g + c] holds column
    /// 4l + c of rows 4g .. 4g + 3, and each column is three such lanes, stored as they are. Against the 16 x 16 transpose
    /// with four rows of zeros (64 shuffles, then a 256-bit and a 128-bit store per column, half of the 256-bit ones
    /// across two cache lines), half the shuffles: a 120 x 512 block of A packed in 4.8 against 14.8 us from L2, a
    /// 1024 x 512 A in 71 against 167 us (AMD Zen 5, interleaved in one process); 512x1024x1024 ran 1.025x as fast, the
    /// wide step 1.006x.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TwelveRowBlock(float* block, nint sourceStride, float* panel)
    {
        Vector512<float> t0 = Vector512.Load(block), t1 = Vector512.Load(block + sourceStride);
        Vector512<float> t2 = Vector512.Load(block + (2 * sourceStride)), t3 = Vector512.Load(block + (3 * sourceStride));
        Vector512<float> t4 = Vector512.Load(block + (4 * sourceStride)), t5 = Vector512.Load(block + (5 * sourceStride));
        Vector512<float> t6 = Vector512.Load(block + (6 * sourceStride)), t7 = Vector512.Load(block + (7 * sourceStride));
        Vector512<float> t8 = Vector512.Load(block + (8 * sourceStride)), t9 = Vector512.Load(block + (9 * sourceStride));
        Vector512<float> t10 = Vector512.Load(block + (10 * sourceStride)), t11 = Vector512.Load(block + (11 * sourceStride));
        FourRowsByColumn(t0, t1, t2, t3, out Vector512<float> b0, out Vector512<float> b1, out Vector512<float> b2, out Vector512<float> b3);
        FourRowsByColumn(t4, t5, t6, t7, out Vector512<float> b4, out Vector512<float> b5, out Vector512<float> b6, out Vector512<float> b7);
        FourRowsByColumn(t8, t9, t10, t11, out Vector512<float> b8, out Vector512<float> b9, out Vector512<float> b10, out Vector512<float> b11);
        StoreLanes(b0, b4, b8, panel);
        StoreLanes(b1, b5, b9, panel + 12);
        StoreLanes(b2, b6, b10, panel + 24);
        StoreLanes(b3, b7, b11, panel + 36);
    }

    /// <summary>
    /// Columns c, 4 + c, 8 + c and 12 + c of a twelve-row block, at <paramref name="target"/> = panel + 12 c and 48
    /// floats apart: column 4l + c is lane l of <paramref name="g0"/>, <paramref name="g1"/> and <paramref name="g2"/>
    /// (its rows 0-3, 4-7 and 8-11).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreLanes(Vector512<float> g0, Vector512<float> g1, Vector512<float> g2, float* target)
    {
        Avx512F.ExtractVector128(g0, 0).Store(target);
        Avx512F.ExtractVector128(g1, 0).Store(target + 4);
        Avx512F.ExtractVector128(g2, 0).Store(target + 8);
        Avx512F.ExtractVector128(g0, 1).Store(target + 48);
        Avx512F.ExtractVector128(g1, 1).Store(target + 52);
        Avx512F.ExtractVector128(g2, 1).Store(target + 56);
        Avx512F.ExtractVector128(g0, 2).Store(target + 96);
        Avx512F.ExtractVector128(g1, 2).Store(target + 100);
        Avx512F.ExtractVector128(g2, 2).Store(target + 104);
        Avx512F.ExtractVector128(g0, 3).Store(target + 144);
        Avx512F.ExtractVector128(g1, 3).Store(target + 148);
        Avx512F.ExtractVector128(g2, 3).Store(target + 152);
    }

    /// <summary>Lanes 0 to <paramref name="height"/> - 1 (12 or 8) of <paramref name="column"/> to <paramref name="target"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreStep(Vector512<float> column, float* target, int height)
    {
        column.GetLower().Store(target);
        if (height > Vector256<float>.Count)
        {
            column.GetUpper().GetLower().Store(target + 8);
        }
    }

    /// <summary>Transposes a 16 x 16 tile in memory, in place (see <see cref="InRegisters"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void InPlace(Vector512<float>* t) =>
        InRegisters(ref t[0], ref t[1], ref t[2], ref t[3], ref t[4], ref t[5], ref t[6], ref t[7], ref t[8], ref t[9], ref t[10], ref t[11], ref t[12], ref t[13], ref t[14], ref t[15]);

    /// <summary>
    /// Transposes a 16 x 16 tile held in sixteen vectors (row r in t_r; afterwards column r in t_r): interleave rows in
    /// pairs (within 128-bit lanes), then pairs of pairs (4 x 4 blocks, one per 128-bit lane), then move the 128-bit
    /// lanes across the four blocks of each column group. Inlined, so that a caller's locals stay in registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void InRegisters(
        ref Vector512<float> t0, ref Vector512<float> t1, ref Vector512<float> t2, ref Vector512<float> t3,
        ref Vector512<float> t4, ref Vector512<float> t5, ref Vector512<float> t6, ref Vector512<float> t7,
        ref Vector512<float> t8, ref Vector512<float> t9, ref Vector512<float> t10, ref Vector512<float> t11,
        ref Vector512<float> t12, ref Vector512<float> t13, ref Vector512<float> t14, ref Vector512<float> t15)
    {
        // Stages 1 and 2: b[4g + c] holds, in 128-bit lane l, column 4l + c of rows 4g .. 4g + 3
        FourRowsByColumn(t0, t1, t2, t3, out Vector512<float> b0, out Vector512<float> b1, out Vector512<float> b2, out Vector512<float> b3);
        FourRowsByColumn(t4, t5, t6, t7, out Vector512<float> b4, out Vector512<float> b5, out Vector512<float> b6, out Vector512<float> b7);
        FourRowsByColumn(t8, t9, t10, t11, out Vector512<float> b8, out Vector512<float> b9, out Vector512<float> b10, out Vector512<float> b11);
        FourRowsByColumn(t12, t13, t14, t15, out Vector512<float> b12, out Vector512<float> b13, out Vector512<float> b14, out Vector512<float> b15);

        // Stages 3 and 4: column 4l + c gathers 128-bit lane l of b[c], b[4 + c], b[8 + c], b[12 + c]
        Columns(b0, b4, b8, b12, out t0, out t4, out t8, out t12);
        Columns(b1, b5, b9, b13, out t1, out t5, out t9, out t13);
        Columns(b2, b6, b10, b14, out t2, out t6, out t10, out t14);
        Columns(b3, b7, b11, b15, out t3, out t7, out t11, out t15);
    }

    /// <summary>
    /// Four rows r0 .. r3 to columns within each 128-bit lane: afterwards lane l of c_q holds column 4l + q of the four
    /// rows. Stage 1 interleaves the rows in pairs (lane l of UnpackLow(r0, r1) = r0[4l], r1[4l], r0[4l+1], r1[4l+1]),
    /// stage 2 the pairs' 64-bit halves.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FourRowsByColumn(
        Vector512<float> r0, Vector512<float> r1, Vector512<float> r2, Vector512<float> r3,
        out Vector512<float> c0, out Vector512<float> c1, out Vector512<float> c2, out Vector512<float> c3)
    {
        Vector512<float> low01 = Avx512F.UnpackLow(r0, r1), high01 = Avx512F.UnpackHigh(r0, r1);
        Vector512<float> low23 = Avx512F.UnpackLow(r2, r3), high23 = Avx512F.UnpackHigh(r2, r3);
        c0 = PairLow(low01, low23);
        c1 = PairHigh(low01, low23);
        c2 = PairLow(high01, high23);
        c3 = PairHigh(high01, high23);
    }

    /// <summary>64-bit interleave of the low halves of each 128-bit lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> PairLow(Vector512<float> a, Vector512<float> b) =>
        Avx512F.UnpackLow(a.AsDouble(), b.AsDouble()).AsSingle();

    /// <summary>64-bit interleave of the high halves of each 128-bit lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> PairHigh(Vector512<float> a, Vector512<float> b) =>
        Avx512F.UnpackHigh(a.AsDouble(), b.AsDouble()).AsSingle();

    /// <summary>Column 4l + c = (lane l of u0, u1, u2, u3), for l = 0 .. 3: the four columns c, 4 + c, 8 + c, 12 + c.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Columns(
        Vector512<float> u0, Vector512<float> u1, Vector512<float> u2, Vector512<float> u3,
        out Vector512<float> lane0, out Vector512<float> lane1, out Vector512<float> lane2, out Vector512<float> lane3)
    {
        Vector512<float> low01 = Avx512F.Shuffle4x128(u0, u1, 0x44);  // u0.l0, u0.l1, u1.l0, u1.l1
        Vector512<float> high01 = Avx512F.Shuffle4x128(u0, u1, 0xEE); // u0.l2, u0.l3, u1.l2, u1.l3
        Vector512<float> low23 = Avx512F.Shuffle4x128(u2, u3, 0x44);
        Vector512<float> high23 = Avx512F.Shuffle4x128(u2, u3, 0xEE);
        lane0 = Avx512F.Shuffle4x128(low01, low23, 0x88);  // lane 0 of each
        lane1 = Avx512F.Shuffle4x128(low01, low23, 0xDD);  // lane 1
        lane2 = Avx512F.Shuffle4x128(high01, high23, 0x88); // lane 2
        lane3 = Avx512F.Shuffle4x128(high01, high23, 0xDD); // lane 3
    }
}
