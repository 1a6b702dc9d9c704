using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Span;

/// <summary>
/// The register-blocked inner kernel for processors without AVX-512 (AVX2 and FMA, sixteen 256-bit registers): a
/// 6 x (2 vectors) tile of C accumulated in 12 Vector256 registers over an A panel (6 rows: packed, A^T read in place,
/// or six rows of A read in place) and a packed B panel (2 vectors of columns: 16 floats or 8 doubles).
/// </summary>
/// <remarks>
/// Each step loads two vectors of B and broadcasts six elements of A into 12 multiply-adds; with the two B vectors and
/// a broadcast, 15 of the 16 vector registers are live, and the twelve independent accumulators cover the FMA latency
/// (4 cycles) times its two pipes with room. Eight rows would need 16 accumulators and spill.
/// <see cref="Run{T, TPanel}(int, T*, nint, T*, T*, nint, T, int, int)"/> takes one tile (an edge tile through a stack
/// tile); <see cref="RunRow{T, TPanel}"/> (packed panels) and <see cref="RunRowOfRows{T}"/> (rows of A in place) take
/// the full tiles along a row strip of C without a call each: for a shallow product (depth 10) a tile is about 260
/// instructions, and the call with its nine arguments, and the loop around it with its locals in memory, added about
/// 60 more.
/// </remarks>
internal static unsafe class GemmMicroKernel256
{
    /// <summary>
    /// The least depth at which a tile prefetches its rows of C: a tile of depth 64 takes some 400 cycles, time enough for
    /// the lines to arrive; a shallower one would pay for the prefetches and still wait.
    /// </summary>
    private const int PrefetchedDepth = 64;

    /// <summary>
    /// C[0..rows, 0..columns] = beta C + sum_p a[p][i] b[p][j] over depth p, for a tile of at most
    /// <typeparamref name="TPanel"/> rows (6 or 4) and 2 vectors of columns. beta = 0 never reads C. Step p of the A
    /// panel is at a + p * aStep: its 6 (or 4) elements are consecutive, and consecutive steps are
    /// <paramref name="aStep"/> elements apart (the panel's height for a packed panel, A's row stride for a panel of A^T
    /// read in place). <paramref name="depth"/> is at least 1.
    /// </summary>
    public static void Run<T, TPanel>(int depth, T* a, nint aStep, T* b, T* c, nint rowStride, T beta, int rows, int columns)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TPanel : struct, IPanelHeight =>
        Run<T, TPanel>(depth, a, aStep, 1, b, c, rowStride, beta, rows, columns);

    /// <summary>
    /// As <see cref="Run{T, TPanel}(int, T*, nint, T*, T*, nint, T, int, int)"/>, with row i of the A panel at step p at
    /// a + p * aStep + i * <paramref name="aRowOffset"/>: 1 for a packed panel or one of A^T read in place, A's row
    /// stride for rows of A read in place (then <paramref name="aStep"/> is 1).
    /// </summary>
    [SkipLocalsInit]
    public static void Run<T, TPanel>(int depth, T* a, nint aStep, nint aRowOffset, T* b, T* c, nint rowStride, T beta, int rows, int columns)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TPanel : struct, IPanelHeight
    {
        int width = Vector256<T>.Count;
        if (rows == TPanel.Rows && columns == 2 * width)
        {
            FullTile<T, TPanel>(depth, a, aStep, aRowOffset, b, c, rowStride, beta);
            return;
        }

        // An edge tile: the whole tile into a stack tile, then only the valid part of C updated.
        int tileWidth = 2 * width;
        T* memory = stackalloc T[(6 * 2 * Vector256<T>.Count) + Vector512<T>.Count];
        T* tile = CacheLine.Align(memory);
        FullTile<T, TPanel>(depth, a, aStep, aRowOffset, b, tile, tileWidth, T.Zero);
        EdgeTile.Update(c, rowStride, tile, tileWidth, rows, columns, beta);
    }

    /// <summary>
    /// <paramref name="tiles"/> full tiles along one strip of <typeparamref name="TPanel"/> rows (6 or 4) of C, all
    /// against the same packed A panel: tile t reads the packed B panel at b + t * <paramref name="panelLength"/> and
    /// updates C columns 16t .. 16t + 15 (8t .. for double).
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunRow<T, TPanel>(int depth, T* a, T* b, nint panelLength, int tiles, T* c, nint rowStride, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TPanel : struct, IPanelHeight
    {
        int tileWidth = 2 * Vector256<T>.Count;
        for (int t = 0; t < tiles; t++, b += panelLength, c += tileWidth)
        {
            FullTile<T, TPanel>(depth, a, TPanel.Rows, 1, b, c, rowStride, beta);
        }
    }

    /// <summary>
    /// As <see cref="RunRow{T, TPanel}"/>, for six rows of A read where they are, <paramref name="aRowStride"/> elements
    /// apart: step p broadcasts a[i * aRowStride + p] for the tile's rows i.
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void RunRowOfRows<T>(int depth, T* a, nint aRowStride, T* b, nint panelLength, int tiles, T* c, nint rowStride, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int tileWidth = 2 * Vector256<T>.Count;
        for (int t = 0; t < tiles; t++, b += panelLength, c += tileWidth)
        {
            FullTile<T, WidePanel>(depth, a, 1, aRowStride, b, c, rowStride, beta);
        }
    }

    /// <summary>
    /// One full tile: C = acc (beta = 0, C not read), or acc + beta C, with acc = sum_p a[p][i] b[p][j] and a[p][i] at
    /// a + p * aStep + i * aRowOffset.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FullTile<T, TPanel>(int depth, T* a, nint aStep, nint aRowOffset, T* b, T* c, nint rowStride, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TPanel : struct, IPanelHeight
    {
        bool wide = TPanel.Rows > GemmBlocking.NarrowTileRows;
        int width = Vector256<T>.Count;
        Debug.Assert(depth > 0, "The packed product calls the kernel for K blocks of at least one step.");

        if (Sse.IsSupported && depth >= PrefetchedDepth)
        {
            // The tile's rows of C, asked of memory now and used after the last step: for a deep tile they are there by
            // then. 512x1024x1024 (C's rows 4 KiB apart) ran 1.03-1.04x as fast, the wide step 1.03x, others as fast
            // (AMD Zen 3, interleaved in one process). Without hardware intrinsics (the kernel then runs in software)
            // there is no prefetch instruction to issue.
            T* row = c;
            for (int r = 0; r < TPanel.Rows; r++, row += rowStride)
            {
                Sse.Prefetch0(row);
                Sse.Prefetch0(row + (2 * width) - 1);
            }
        }

        // c_ij = a_0i b_0j: the first step multiplies, so no accumulator is zeroed first (and a sum of products that are
        // all -0 stays -0). For a shallow product (depth 10) this, with the loop bounded by the B pointer alone, ran
        // 1.07-1.09x faster on an AMD Zen 3 core.
        Vector256<T> b0 = Vector256.Load(b);
        Vector256<T> b1 = Vector256.Load(b + width);
        Vector256<T> ai = Vector256.Create(a[0]);
        Vector256<T> c00 = ai * b0;
        Vector256<T> c01 = ai * b1;
        ai = Vector256.Create(a[1 * aRowOffset]);
        Vector256<T> c10 = ai * b0;
        Vector256<T> c11 = ai * b1;
        ai = Vector256.Create(a[2 * aRowOffset]);
        Vector256<T> c20 = ai * b0;
        Vector256<T> c21 = ai * b1;
        ai = Vector256.Create(a[3 * aRowOffset]);
        Vector256<T> c30 = ai * b0;
        Vector256<T> c31 = ai * b1;
        Vector256<T> c40 = default, c41 = default, c50 = default, c51 = default;
        if (wide)
        {
            ai = Vector256.Create(a[4 * aRowOffset]);
            c40 = ai * b0;
            c41 = ai * b1;
            ai = Vector256.Create(a[5 * aRowOffset]);
            c50 = ai * b0;
            c51 = ai * b1;
        }

        a += aStep;
        b += 2 * width;

        // c_ij += a_pi b_pj for p = 1 .. depth - 1: one row of B (two vectors) against six broadcast elements of A per step,
        // two steps per pass, then the last step if one is left. Two steps per pass ran the large products 1.07-1.12x as
        // fast on an AMD Zen 3 core (256x784x512, 512x1024x1024, interleaved in one process); four ran no faster than two.
        T* bEnd = b + ((nint)(depth - 1) * 2 * width);
        T* bPairsEnd = b + ((nint)((depth - 1) & ~1) * 2 * width);
        while (b < bPairsEnd)
        {
            Step<T, TPanel>(a, aRowOffset, b, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Step<T, TPanel>(a + aStep, aRowOffset, b + (2 * width), ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            a += 2 * aStep;
            b += 4 * width;
        }

        if (b < bEnd)
        {
            Step<T, TPanel>(a, aRowOffset, b, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
        }

        if (beta == T.Zero)
        {
            // C = acc, the usual case, in twelve stores with no test of beta between them: with a test per row, a product
            // of depth 10 (256 x 10 x 512 with B^T, 64 x 10 x 128) ran 1.13-1.17x slower on an AMD Zen 3 core.
            Vector256.Store(c00, c);
            Vector256.Store(c01, c + width);
            Vector256.Store(c10, c + rowStride);
            Vector256.Store(c11, c + rowStride + width);
            Vector256.Store(c20, c + (2 * rowStride));
            Vector256.Store(c21, c + (2 * rowStride) + width);
            Vector256.Store(c30, c + (3 * rowStride));
            Vector256.Store(c31, c + (3 * rowStride) + width);
            if (wide)
            {
                Vector256.Store(c40, c + (4 * rowStride));
                Vector256.Store(c41, c + (4 * rowStride) + width);
                Vector256.Store(c50, c + (5 * rowStride));
                Vector256.Store(c51, c + (5 * rowStride) + width);
            }

            return;
        }

        StoreRow(c, c00, c01, beta);
        StoreRow(c + rowStride, c10, c11, beta);
        StoreRow(c + (2 * rowStride), c20, c21, beta);
        StoreRow(c + (3 * rowStride), c30, c31, beta);
        if (wide)
        {
            StoreRow(c + (4 * rowStride), c40, c41, beta);
            StoreRow(c + (5 * rowStride), c50, c51, beta);
        }
    }

    /// <summary>
    /// One step of depth: c_ij += a_i b_j for the tile's rows i (<typeparamref name="TPanel"/>: 6 or 4) against one row
    /// of B, two vectors at <paramref name="b"/>, with the rows' elements of A at <paramref name="a"/>,
    /// <paramref name="aRowOffset"/> apart (1: consecutive, in a panel).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step<T, TPanel>(
        T* a, nint aRowOffset, T* b, ref Vector256<T> c00, ref Vector256<T> c01, ref Vector256<T> c10, ref Vector256<T> c11, ref Vector256<T> c20,
        ref Vector256<T> c21, ref Vector256<T> c30, ref Vector256<T> c31, ref Vector256<T> c40, ref Vector256<T> c41,
        ref Vector256<T> c50, ref Vector256<T> c51)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TPanel : struct, IPanelHeight
    {
        Vector256<T> b0 = Vector256.Load(b);
        Vector256<T> b1 = Vector256.Load(b + Vector256<T>.Count);
        Vector256<T> ai = Vector256.Create(a[0]);
        c00 = VectorMath.FusedMultiplyAdd(ai, b0, c00);
        c01 = VectorMath.FusedMultiplyAdd(ai, b1, c01);
        ai = Vector256.Create(a[1 * aRowOffset]);
        c10 = VectorMath.FusedMultiplyAdd(ai, b0, c10);
        c11 = VectorMath.FusedMultiplyAdd(ai, b1, c11);
        ai = Vector256.Create(a[2 * aRowOffset]);
        c20 = VectorMath.FusedMultiplyAdd(ai, b0, c20);
        c21 = VectorMath.FusedMultiplyAdd(ai, b1, c21);
        ai = Vector256.Create(a[3 * aRowOffset]);
        c30 = VectorMath.FusedMultiplyAdd(ai, b0, c30);
        c31 = VectorMath.FusedMultiplyAdd(ai, b1, c31);
        if (TPanel.Rows > GemmBlocking.NarrowTileRows)
        {
            ai = Vector256.Create(a[4 * aRowOffset]);
            c40 = VectorMath.FusedMultiplyAdd(ai, b0, c40);
            c41 = VectorMath.FusedMultiplyAdd(ai, b1, c41);
            ai = Vector256.Create(a[5 * aRowOffset]);
            c50 = VectorMath.FusedMultiplyAdd(ai, b0, c50);
            c51 = VectorMath.FusedMultiplyAdd(ai, b1, c51);
        }
    }

    /// <summary>C row = acc (beta = 0), acc + C (beta = 1), or acc + beta C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<T>(T* c, Vector256<T> left, Vector256<T> right, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = Vector256<T>.Count;
        if (beta == T.Zero)
        {
            Vector256.Store(left, c);
            Vector256.Store(right, c + width);
        }
        else if (beta == T.One)
        {
            Vector256.Store(left + Vector256.Load(c), c);
            Vector256.Store(right + Vector256.Load(c + width), c + width);
        }
        else
        {
            Vector256<T> scale = Vector256.Create(beta);
            Vector256.Store(VectorMath.FusedMultiplyAdd(Vector256.Load(c), scale, left), c);
            Vector256.Store(VectorMath.FusedMultiplyAdd(Vector256.Load(c + width), scale, right), c + width);
        }
    }
}
