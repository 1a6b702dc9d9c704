using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nn.Span;

/// <summary>
/// The register-blocked inner kernel: a 12 x (2 vectors) tile of C accumulated in 24 Vector512 registers over an A
/// panel (12 rows: packed, or A^T read in place) and a packed B panel (2 vectors of columns).
/// </summary>
/// <remarks>
/// Each step loads two vectors of B and broadcasts twelve elements of A into 24 multiply-adds; 27 of the 32 vector
/// registers are live. Against eight rows (16 accumulators), every pass over a B panel feeds half as many more
/// multiply-adds, so the panel, which does not fit in L1 beside the A panel, streams from L2 two thirds as often. On an
/// Intel Xeon (Sapphire Rapids class) the kernel alone, over a 96 x 512 A block and sixteen 512 x 32 B panels, ran
/// 3.5% to 10% faster with twelve rows than with eight (interleaved in one process).
/// </remarks>
internal static unsafe class GemmMicroKernel
{
    /// <summary>
    /// C[0..rows, 0..columns] = beta C + sum_p a[p][i] b[p][j] over depth p, for a tile of at most
    /// <typeparamref name="TPanel"/> rows (12 or 8) and 2 vectors of columns. beta = 0 never reads C. Step p of the A
    /// panel is at a + p * aStep: its 12 (or 8) elements are consecutive, and consecutive steps are
    /// <paramref name="aStep"/> elements apart (the panel's height for a packed panel, A's row stride for a panel of A^T
    /// read in place).
    /// </summary>
    [SkipLocalsInit]
    public static void Run<T, TPanel>(int depth, T* a, nint aStep, T* b, T* c, nint rowStride, T beta, int rows, int columns)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TPanel : struct, IPanelHeight =>
        Run<T, TPanel, TwoVectors>(depth, a, aStep, b, c, rowStride, beta, rows, columns);

    /// <summary>
    /// <see cref="Run{T, TPanel}"/> for a tile of <typeparamref name="TColumns"/> vectors of columns: with one, the tile
    /// of a B panel whose columns fill at most its first vector (the last panel of N = 1000 holds 8 of its 32 floats),
    /// which then costs half the multiply-adds. The B panel keeps its layout (steps two vectors apart); only its first
    /// vector is read. 512x1024x1000 and 1024x512x1000 with A^T (wide's h W2 and h^T dZ2) ran about 1.01x as fast (two
    /// builds interleaved on an AMD Zen 5 core, both orders); the most it can save there is 1.2%.
    /// </summary>
    [SkipLocalsInit]
    public static void Run<T, TPanel, TColumns>(int depth, T* a, nint aStep, T* b, T* c, nint rowStride, T beta, int rows, int columns)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TPanel : struct, IPanelHeight
        where TColumns : struct, IColumnVectors =>
        Run<T, TPanel, TColumns, NoEpilogue>(depth, a, aStep, b, c, rowStride, beta, rows, columns, default);

    /// <summary>
    /// <see cref="Run{T, TPanel, TColumns}"/>, then, for a full float tile (all <typeparamref name="TPanel"/> rows, two
    /// vectors of columns), the epilogue <typeparamref name="TEpilogue"/> on each row of accumulators before its one
    /// store (<paramref name="epilogue"/> at the tile's first element: its bias at the tile's first column, its sigmoid
    /// output at the tile's first element). An edge tile is stored as it is, its epilogue left to the caller. In the wide
    /// step (512, 1024, 1024, 1000), applied to the stored tile afterwards (eight rows at a time, so a tile of twelve
    /// computed sixteen), the sigmoid added 272 us to X W1's 5.86 ms and the derivative 195 us to dZ2 W2^T's 5.84 ms.
    /// </summary>
    [SkipLocalsInit]
    public static void Run<T, TPanel, TColumns, TEpilogue>(int depth, T* a, nint aStep, T* b, T* c, nint rowStride, T beta, int rows, int columns, EpilogueArguments epilogue)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TPanel : struct, IPanelHeight
        where TColumns : struct, IColumnVectors
        where TEpilogue : struct, ITileEpilogue
    {
        bool wide = TPanel.Rows > GemmBlocking.NarrowTileRows;
        bool two = TColumns.Count == 2;
        int width = Vector512<T>.Count;
        Vector512<T> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<T> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<T> c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<T> c60 = default, c61 = default, c70 = default, c71 = default;
        Vector512<T> c80 = default, c81 = default, c90 = default, c91 = default;
        Vector512<T> c100 = default, c101 = default, c110 = default, c111 = default;

        // c_ij += a_pi b_pj: one row of B (two vectors, or the first one) against twelve broadcast elements of A per step.
        for (int p = 0; p < depth; p++)
        {
            Vector512<T> b0 = Vector512.Load(b);
            Vector512<T> b1 = two ? Vector512.Load(b + width) : default;
            Vector512<T> ai = Vector512.Create(a[0]);
            c00 = VectorMath.FusedMultiplyAdd(ai, b0, c00);
            if (two)
            {
                c01 = VectorMath.FusedMultiplyAdd(ai, b1, c01);
            }

            ai = Vector512.Create(a[1]);
            c10 = VectorMath.FusedMultiplyAdd(ai, b0, c10);
            if (two)
            {
                c11 = VectorMath.FusedMultiplyAdd(ai, b1, c11);
            }

            ai = Vector512.Create(a[2]);
            c20 = VectorMath.FusedMultiplyAdd(ai, b0, c20);
            if (two)
            {
                c21 = VectorMath.FusedMultiplyAdd(ai, b1, c21);
            }

            ai = Vector512.Create(a[3]);
            c30 = VectorMath.FusedMultiplyAdd(ai, b0, c30);
            if (two)
            {
                c31 = VectorMath.FusedMultiplyAdd(ai, b1, c31);
            }

            ai = Vector512.Create(a[4]);
            c40 = VectorMath.FusedMultiplyAdd(ai, b0, c40);
            if (two)
            {
                c41 = VectorMath.FusedMultiplyAdd(ai, b1, c41);
            }

            ai = Vector512.Create(a[5]);
            c50 = VectorMath.FusedMultiplyAdd(ai, b0, c50);
            if (two)
            {
                c51 = VectorMath.FusedMultiplyAdd(ai, b1, c51);
            }

            ai = Vector512.Create(a[6]);
            c60 = VectorMath.FusedMultiplyAdd(ai, b0, c60);
            if (two)
            {
                c61 = VectorMath.FusedMultiplyAdd(ai, b1, c61);
            }

            ai = Vector512.Create(a[7]);
            c70 = VectorMath.FusedMultiplyAdd(ai, b0, c70);
            if (two)
            {
                c71 = VectorMath.FusedMultiplyAdd(ai, b1, c71);
            }

            if (wide)
            {
                ai = Vector512.Create(a[8]);
                c80 = VectorMath.FusedMultiplyAdd(ai, b0, c80);
                if (two)
                {
                    c81 = VectorMath.FusedMultiplyAdd(ai, b1, c81);
                }

                ai = Vector512.Create(a[9]);
                c90 = VectorMath.FusedMultiplyAdd(ai, b0, c90);
                if (two)
                {
                    c91 = VectorMath.FusedMultiplyAdd(ai, b1, c91);
                }

                ai = Vector512.Create(a[10]);
                c100 = VectorMath.FusedMultiplyAdd(ai, b0, c100);
                if (two)
                {
                    c101 = VectorMath.FusedMultiplyAdd(ai, b1, c101);
                }

                ai = Vector512.Create(a[11]);
                c110 = VectorMath.FusedMultiplyAdd(ai, b0, c110);
                if (two)
                {
                    c111 = VectorMath.FusedMultiplyAdd(ai, b1, c111);
                }

            }

            a += aStep;
            b += 2 * width;
        }

        if (typeof(TEpilogue) != typeof(NoEpilogue) && rows == TPanel.Rows && columns == 2 * width)
        {
            // c_i = epilogue(acc_i (+ beta c_i)), row by row from the accumulators: the bias, or the sigmoid output's rows
            float* bias = epilogue.Bias;
            Vector512<float> bias0 = TEpilogue.ReadsBias ? Vector512.Load(bias) : default;
            Vector512<float> bias1 = TEpilogue.ReadsBias ? Vector512.Load(bias + Vector512<float>.Count) : default;
            float* h = epilogue.Sigmoid;
            nint hStride = epilogue.SigmoidStride;
            StoreRowThen<T, TEpilogue>(c, c00, c01, beta, bias0, bias1, h);
            StoreRowThen<T, TEpilogue>(c + rowStride, c10, c11, beta, bias0, bias1, h + hStride);
            StoreRowThen<T, TEpilogue>(c + (2 * rowStride), c20, c21, beta, bias0, bias1, h + (2 * hStride));
            StoreRowThen<T, TEpilogue>(c + (3 * rowStride), c30, c31, beta, bias0, bias1, h + (3 * hStride));
            StoreRowThen<T, TEpilogue>(c + (4 * rowStride), c40, c41, beta, bias0, bias1, h + (4 * hStride));
            StoreRowThen<T, TEpilogue>(c + (5 * rowStride), c50, c51, beta, bias0, bias1, h + (5 * hStride));
            StoreRowThen<T, TEpilogue>(c + (6 * rowStride), c60, c61, beta, bias0, bias1, h + (6 * hStride));
            StoreRowThen<T, TEpilogue>(c + (7 * rowStride), c70, c71, beta, bias0, bias1, h + (7 * hStride));
            if (wide)
            {
                StoreRowThen<T, TEpilogue>(c + (8 * rowStride), c80, c81, beta, bias0, bias1, h + (8 * hStride));
                StoreRowThen<T, TEpilogue>(c + (9 * rowStride), c90, c91, beta, bias0, bias1, h + (9 * hStride));
                StoreRowThen<T, TEpilogue>(c + (10 * rowStride), c100, c101, beta, bias0, bias1, h + (10 * hStride));
                StoreRowThen<T, TEpilogue>(c + (11 * rowStride), c110, c111, beta, bias0, bias1, h + (11 * hStride));
            }

            return;
        }

        if (rows == TPanel.Rows && columns == 2 * width)
        {
            StoreRow(c, c00, c01, beta);
            StoreRow(c + rowStride, c10, c11, beta);
            StoreRow(c + (2 * rowStride), c20, c21, beta);
            StoreRow(c + (3 * rowStride), c30, c31, beta);
            StoreRow(c + (4 * rowStride), c40, c41, beta);
            StoreRow(c + (5 * rowStride), c50, c51, beta);
            StoreRow(c + (6 * rowStride), c60, c61, beta);
            StoreRow(c + (7 * rowStride), c70, c71, beta);
            if (wide)
            {
                StoreRow(c + (8 * rowStride), c80, c81, beta);
                StoreRow(c + (9 * rowStride), c90, c91, beta);
                StoreRow(c + (10 * rowStride), c100, c101, beta);
                StoreRow(c + (11 * rowStride), c110, c111, beta);
            }

            return;
        }

        // An edge tile: spill the accumulators to a stack tile, then update only the valid part of C.
        int tileWidth = 2 * width;
        T* memory = stackalloc T[(GemmBlocking.TileRows * 2 * Vector512<T>.Count) + Vector512<T>.Count];
        T* tile = CacheLine.Align(memory);
        c00.Store(tile); c01.Store(tile + width);
        c10.Store(tile + tileWidth); c11.Store(tile + tileWidth + width);
        c20.Store(tile + (2 * tileWidth)); c21.Store(tile + (2 * tileWidth) + width);
        c30.Store(tile + (3 * tileWidth)); c31.Store(tile + (3 * tileWidth) + width);
        c40.Store(tile + (4 * tileWidth)); c41.Store(tile + (4 * tileWidth) + width);
        c50.Store(tile + (5 * tileWidth)); c51.Store(tile + (5 * tileWidth) + width);
        c60.Store(tile + (6 * tileWidth)); c61.Store(tile + (6 * tileWidth) + width);
        c70.Store(tile + (7 * tileWidth)); c71.Store(tile + (7 * tileWidth) + width);
        c80.Store(tile + (8 * tileWidth)); c81.Store(tile + (8 * tileWidth) + width);
        c90.Store(tile + (9 * tileWidth)); c91.Store(tile + (9 * tileWidth) + width);
        c100.Store(tile + (10 * tileWidth)); c101.Store(tile + (10 * tileWidth) + width);
        c110.Store(tile + (11 * tileWidth)); c111.Store(tile + (11 * tileWidth) + width);
        EdgeTile.Update(c, rowStride, tile, tileWidth, rows, columns, beta);
    }

    /// <summary>
    /// C row = epilogue(acc (beta = 0), acc + C (beta = 1), or acc + beta C): the same operations, in the same order, as
    /// <see cref="StoreRow{T}"/> followed by <see cref="EpilogueKernel.FinishTile"/>. Float only (the network's epilogues).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRowThen<T, TEpilogue>(T* c, Vector512<T> left, Vector512<T> right, T beta, Vector512<float> bias0, Vector512<float> bias1, float* h)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TEpilogue : struct, ITileEpilogue
    {
        float* row = (float*)c;
        int width = Vector512<float>.Count;
        Vector512<float> l = WithC(left, c, beta).As<T, float>();
        Vector512<float> r = WithC(right, c + Vector512<T>.Count, beta).As<T, float>();
        Vector512<float> all = Vector512<float>.AllBitsSet;
        Vector512.Store(TEpilogue.Apply(l, bias0, h, all), row);
        Vector512.Store(TEpilogue.Apply(r, bias1, h + width, all), row + width);
    }

    /// <summary>C row = acc (beta = 0), acc + C (beta = 1), or acc + beta C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<T>(T* c, Vector512<T> left, Vector512<T> right, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = Vector512<T>.Count;
        Vector512.Store(WithC(left, c, beta), c);
        Vector512.Store(WithC(right, c + width, beta), c + width);
    }

    /// <summary>acc (beta = 0, C not read), acc + C (beta = 1), or acc + beta C, for the vector of C at <paramref name="c"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<T> WithC<T>(Vector512<T> accumulator, T* c, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (beta == T.Zero)
        {
            return accumulator;
        }

        return beta == T.One ? accumulator + Vector512.Load(c) : VectorMath.FusedMultiplyAdd(Vector512.Load(c), Vector512.Create(beta), accumulator);
    }
}

/// <summary>The rows of an A panel, as a type, so that <see cref="GemmMicroKernel.Run{T, TPanel}"/> is compiled for each height with no branch.</summary>
internal interface IPanelHeight
{
    static abstract int Rows { get; }
}

/// <summary>A panel of MR = 12 rows: 24 accumulators.</summary>
internal readonly struct WidePanel : IPanelHeight
{
    public static int Rows => GemmBlocking.TileRows;
}

/// <summary>A panel of 8 rows, which ends a block whose rows are not a multiple of 12: 16 accumulators.</summary>
internal readonly struct NarrowPanel : IPanelHeight
{
    public static int Rows => GemmBlocking.NarrowTileRows;
}

/// <summary>The vectors of columns of a tile, as a type, so that <see cref="GemmMicroKernel.Run{T, TPanel, TColumns}"/> is compiled for each width with no branch.</summary>
internal interface IColumnVectors
{
    static abstract int Count { get; }
}

/// <summary>A full tile: two vectors of columns (NR).</summary>
internal readonly struct TwoVectors : IColumnVectors
{
    public static int Count => 2;
}

/// <summary>A tile whose valid columns fit in its first vector: half the multiply-adds.</summary>
internal readonly struct OneVector : IColumnVectors
{
    public static int Count => 1;
}
