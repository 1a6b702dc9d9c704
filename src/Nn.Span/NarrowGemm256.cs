using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Span;

/// <summary>
/// C = op(A) B + beta C (+ bias) for float C of at most 16 columns, or of at most 6 rows (in blocks of 16 columns), on
/// processors with AVX2 and FMA but without AVX-512 (where <see cref="DirectGemm"/> takes these products): each row of
/// C is one or two Vector256 accumulators, B's rows are read as they are stored, and op(A) is read in place (A or A^T),
/// so nothing is packed. The packed product would
/// fill the same 16 columns of its tiles, and copy all of op(A) first: for the network's h W2 (256 x 512 x 10) the copy
/// costs more than the multiply-adds.
/// </summary>
internal static unsafe class NarrowGemm256
{
    /// <summary>The most columns of C: two vectors.</summary>
    public const int MaxColumns = 2 * Lanes;

    /// <summary>Rows of C per tile with one vector per row: 12 accumulators, with B's row and a broadcast 14 of 16 registers.</summary>
    private const int SingleTileRows = 12;

    /// <summary>Rows of C per tile with two vectors per row: 12 accumulators, with B's two vectors and a broadcast 15.</summary>
    private const int DoubleTileRows = 6;

    /// <summary>Rows of C per tile for ten columns: six accumulators for columns 0..7, two for columns 8 and 9 of the six rows.</summary>
    private const int PairTileRows = 6;

    private const int Lanes = 8;

    /// <summary>
    /// Whether a float product of M, N, K &gt;= 1 runs here: AVX2 and FMA without AVX-512, B as stored (a transposed B,
    /// its rows N elements apart, would be one gather per step), and at most 16 columns, or at most 6 rows (one tile
    /// height) in blocks of 16 columns: with so few rows, packing B costs more than it saves (1 x 64 x 32, the online
    /// step's X W1, ran 1.36-1.41x faster unpacked, 4 x 784 x 512 1.06x, 6 x 64 x 128 1.49x; with 8 rows, 8 x 256 x 512 ran
    /// 0.89x, and products with K &lt;= 16 ran 0.86-0.93x; informal, interleaved in one process, AMD Zen 3).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Takes(int m, int n, Operand opB) =>
        !Avx512F.IsSupported && Avx2.IsSupported && Fma.IsSupported && opB == Operand.AsIs && (n <= MaxColumns || m <= DoubleTileRows);

    /// <summary>
    /// C = op(A) B + beta C, then + bias[j] when <paramref name="bias"/> is not null; M, N, K &gt;= 1. Products that
    /// <see cref="DeepNarrowGemm256.Suits"/> with A as stored go to that form, and those that
    /// <see cref="TransposedNarrowGemm256.Suits"/> with A^T and no bias to that one. Element
    /// (i, p) of op(A) is at a + i <paramref name="aRowStep"/> + p <paramref name="aDepthStep"/> (A as stored: its row
    /// stride and 1; A^T: 1 and its row stride). beta = 0 never reads C.
    /// </summary>
    public static void Multiply(
        float* a, nint aRowStep, nint aDepthStep, float* b, nint bStride, float* c, nint cStride, int m, int n, int k, float beta, float* bias)
    {
        if (aDepthStep == 1 && DeepNarrowGemm256.Suits(n, k))
        {
            // A as stored, at most five columns and deep enough that dot products along A's rows pay for their setup.
            DeepNarrowGemm256.Multiply(a, aRowStep, b, bStride, c, cStride, m, n, k, beta, bias);
            return;
        }

        if (aRowStep == 1 && aDepthStep != 1 && bias == null && TransposedNarrowGemm256.Suits(m, n, k))
        {
            // A^T, narrow enough that vectors down the columns of C (along A's rows) leave fewer lanes idle.
            TransposedNarrowGemm256.Multiply(a, aDepthStep, b, bStride, c, cStride, m, n, k, beta);
            return;
        }

        // Blocks of at most 16 columns of C, each a product of its own with the same rows of A.
        for (int j = 0; j < n; j += MaxColumns)
        {
            Block(a, aRowStep, aDepthStep, b + j, bStride, c + j, cStride, m, Math.Min(MaxColumns, n - j), k, beta, bias == null ? null : bias + j);
        }
    }

    /// <summary>C = op(A) B + beta C (+ bias) for one block of at most 16 columns of C.</summary>
    private static void Block(
        float* a, nint aRowStep, nint aDepthStep, float* b, nint bStride, float* c, nint cStride, int m, int n, int k, float beta, float* bias)
    {
        if (n <= Lanes)
        {
            Vector256<float> mask = LaneMask.First256(n);
            Vector256<float> biasRow = bias == null ? Vector256<float>.Zero : Avx.MaskLoad(bias, mask);
            if (m < SingleTileRows)
            {
                SingleVectorTile(a, aRowStep, aDepthStep, b, bStride, c, cStride, m, n, k, beta, mask, bias != null, biasRow);
                return;
            }

            // Whole tiles of 12 rows; then the rest in a tile of 8 (up to 8 rows) or 12, moved up to end at row M and
            // storing only the rows the previous tiles did not (so that beta C is added once). 20 rows are 12 + 8: 200
            // multiply-adds where two tiles of 12 took 240 (20 x 10 x 5: 1.03-1.07x, informal, alternating processes, Zen 3).
            int i = 0;
            for (; i + SingleTileRows <= m; i += SingleTileRows)
            {
                FullSingleVectorTile<TwelveRows>(
                    a + (i * aRowStep), aRowStep, aDepthStep, b, bStride, c + (i * cStride), cStride, 0, n, k, beta, mask, bias != null, biasRow);
            }

            if (i < m)
            {
                int start = m - (m - i <= EightRows.Rows ? EightRows.Rows : SingleTileRows);
                if (m - i <= EightRows.Rows)
                {
                    FullSingleVectorTile<EightRows>(
                        a + (start * aRowStep), aRowStep, aDepthStep, b, bStride, c + (start * cStride), cStride, i - start, n, k, beta, mask, bias != null, biasRow);
                }
                else
                {
                    FullSingleVectorTile<TwelveRows>(
                        a + (start * aRowStep), aRowStep, aDepthStep, b, bStride, c + (start * cStride), cStride, i - start, n, k, beta, mask, bias != null, biasRow);
                }
            }

            return;
        }

        if (n == Lanes + 2)
        {
            // Ten columns (the network's ten classes): the last two columns of four rows share one vector.
            Vector256<float> biasEight = bias == null ? Vector256<float>.Zero : Vector256.Load(bias);
            Vector128<float> biasPair = bias == null ? Vector128<float>.Zero : Sse2.LoadScalarVector128((double*)(bias + Lanes)).AsSingle();
            for (int i = 0; i < m; i += PairTileRows)
            {
                PairTile(a + (i * aRowStep), aRowStep, aDepthStep, b, bStride, c + (i * cStride), cStride, Math.Min(PairTileRows, m - i), k, beta, bias != null, biasEight, biasPair);
            }

            return;
        }

        Vector256<float> upperMask = LaneMask.First256(n - Lanes);
        Vector256<float> biasLower = bias == null ? Vector256<float>.Zero : Vector256.Load(bias);
        Vector256<float> biasUpper = bias == null ? Vector256<float>.Zero : Avx.MaskLoad(bias + Lanes, upperMask);
        for (int i = 0; i < m; i += DoubleTileRows)
        {
            DoubleVectorTile(a + (i * aRowStep), aRowStep, aDepthStep, b, bStride, c + (i * cStride), cStride, Math.Min(DoubleTileRows, m - i), n, k, beta, upperMask, bias != null, biasLower, biasUpper);
        }
    }

    /// <summary>
    /// 12 (or 8) rows of C of at most 8 columns, storing rows <paramref name="firstStored"/> to the last. The rows of A are
    /// reached from three pointers, one per four rows, and three offsets they share, so that the loop keeps every address
    /// in a register (with one offset per row, six of them were reloaded from the stack at each step). Eight accumulators
    /// still cover the multiply-add's latency (4 cycles) times its two pipes.
    /// </summary>
    [SkipLocalsInit]
    private static void FullSingleVectorTile<THeight>(
        float* a, nint rowStep, nint depthStep, float* b, nint bStride, float* c, nint cStride, int firstStored, int n, int k, float beta,
        Vector256<float> mask, bool addBias, Vector256<float> bias)
        where THeight : struct, ITileHeight
    {
        bool twelve = THeight.Rows == SingleTileRows;
        nint o1 = rowStep, o2 = 2 * rowStep, o3 = 3 * rowStep;
        float* a4 = a + (4 * rowStep);
        float* a8 = twelve ? a + (8 * rowStep) : a;
        bool full = n == Lanes;
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        Vector256<float> c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        for (int p = 0; p < k; p++)
        {
            // c_r += a_(r, p) b_p, for the twelve rows r of the tile
            Vector256<float> bp = full ? Vector256.Load(b) : Avx.MaskLoad(b, mask);
            c0 = Vector256.FusedMultiplyAdd(Vector256.Create(a[0]), bp, c0);
            c1 = Vector256.FusedMultiplyAdd(Vector256.Create(a[o1]), bp, c1);
            c2 = Vector256.FusedMultiplyAdd(Vector256.Create(a[o2]), bp, c2);
            c3 = Vector256.FusedMultiplyAdd(Vector256.Create(a[o3]), bp, c3);
            c4 = Vector256.FusedMultiplyAdd(Vector256.Create(a4[0]), bp, c4);
            c5 = Vector256.FusedMultiplyAdd(Vector256.Create(a4[o1]), bp, c5);
            c6 = Vector256.FusedMultiplyAdd(Vector256.Create(a4[o2]), bp, c6);
            c7 = Vector256.FusedMultiplyAdd(Vector256.Create(a4[o3]), bp, c7);
            if (twelve)
            {
                c8 = Vector256.FusedMultiplyAdd(Vector256.Create(a8[0]), bp, c8);
                c9 = Vector256.FusedMultiplyAdd(Vector256.Create(a8[o1]), bp, c9);
                c10 = Vector256.FusedMultiplyAdd(Vector256.Create(a8[o2]), bp, c10);
                c11 = Vector256.FusedMultiplyAdd(Vector256.Create(a8[o3]), bp, c11);
            }

            a += depthStep;
            a4 += depthStep;
            a8 += depthStep;
            b += bStride;
        }

        if (firstStored == 0) StoreRow(c, c0, beta, mask, n, addBias, bias);
        if (firstStored <= 1) StoreRow(c + cStride, c1, beta, mask, n, addBias, bias);
        if (firstStored <= 2) StoreRow(c + (2 * cStride), c2, beta, mask, n, addBias, bias);
        if (firstStored <= 3) StoreRow(c + (3 * cStride), c3, beta, mask, n, addBias, bias);
        if (firstStored <= 4) StoreRow(c + (4 * cStride), c4, beta, mask, n, addBias, bias);
        if (firstStored <= 5) StoreRow(c + (5 * cStride), c5, beta, mask, n, addBias, bias);
        if (firstStored <= 6) StoreRow(c + (6 * cStride), c6, beta, mask, n, addBias, bias);
        if (firstStored <= 7) StoreRow(c + (7 * cStride), c7, beta, mask, n, addBias, bias);
        if (twelve)
        {
            if (firstStored <= 8) StoreRow(c + (8 * cStride), c8, beta, mask, n, addBias, bias);
            if (firstStored <= 9) StoreRow(c + (9 * cStride), c9, beta, mask, n, addBias, bias);
            if (firstStored <= 10) StoreRow(c + (10 * cStride), c10, beta, mask, n, addBias, bias);
            StoreRow(c + (11 * cStride), c11, beta, mask, n, addBias, bias);
        }
    }

    /// <summary>The rows of a tile, as a type, so that each height is compiled with no branch.</summary>
    private interface ITileHeight
    {
        static abstract int Rows { get; }
    }

    /// <summary>A tile of 12 rows.</summary>
    private readonly struct TwelveRows : ITileHeight
    {
        public static int Rows => SingleTileRows;
    }

    /// <summary>A tile of 8 rows, for the rest of a product after its tiles of 12.</summary>
    private readonly struct EightRows : ITileHeight
    {
        public static int Rows => 8;
    }

    /// <summary>
    /// Fewer than 12 rows of C (all of a product's) of at most 8 columns. Rows past <paramref name="rows"/> repeat the last row's elements of A:
    /// computed, never stored, so that the loop has one form.
    /// </summary>
    [SkipLocalsInit]
    private static void SingleVectorTile(
        float* a, nint rowStep, nint depthStep, float* b, nint bStride, float* c, nint cStride, int rows, int n, int k, float beta,
        Vector256<float> mask, bool addBias, Vector256<float> bias)
    {
        // Row r of the tile reads A at a + offset_r: rows past the tile's end read its last row.
        nint last = rows - 1;
        nint o1 = Math.Min(1, last) * rowStep, o2 = Math.Min(2, last) * rowStep, o3 = Math.Min(3, last) * rowStep;
        nint o4 = Math.Min(4, last) * rowStep, o5 = Math.Min(5, last) * rowStep, o6 = Math.Min(6, last) * rowStep;
        nint o7 = Math.Min(7, last) * rowStep, o8 = Math.Min(8, last) * rowStep, o9 = Math.Min(9, last) * rowStep;
        nint o10 = Math.Min(10, last) * rowStep, o11 = Math.Min(11, last) * rowStep;
        bool full = n == Lanes;
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default;
        Vector256<float> c6 = default, c7 = default, c8 = default, c9 = default, c10 = default, c11 = default;
        for (int p = 0; p < k; p++)
        {
            // c_r += a_(r, p) b_p, for the twelve rows r of the tile
            Vector256<float> bp = full ? Vector256.Load(b) : Avx.MaskLoad(b, mask);
            c0 = Vector256.FusedMultiplyAdd(Vector256.Create(a[0]), bp, c0);
            c1 = Vector256.FusedMultiplyAdd(Vector256.Create(a[o1]), bp, c1);
            c2 = Vector256.FusedMultiplyAdd(Vector256.Create(a[o2]), bp, c2);
            c3 = Vector256.FusedMultiplyAdd(Vector256.Create(a[o3]), bp, c3);
            c4 = Vector256.FusedMultiplyAdd(Vector256.Create(a[o4]), bp, c4);
            c5 = Vector256.FusedMultiplyAdd(Vector256.Create(a[o5]), bp, c5);
            c6 = Vector256.FusedMultiplyAdd(Vector256.Create(a[o6]), bp, c6);
            c7 = Vector256.FusedMultiplyAdd(Vector256.Create(a[o7]), bp, c7);
            c8 = Vector256.FusedMultiplyAdd(Vector256.Create(a[o8]), bp, c8);
            c9 = Vector256.FusedMultiplyAdd(Vector256.Create(a[o9]), bp, c9);
            c10 = Vector256.FusedMultiplyAdd(Vector256.Create(a[o10]), bp, c10);
            c11 = Vector256.FusedMultiplyAdd(Vector256.Create(a[o11]), bp, c11);
            a += depthStep;
            b += bStride;
        }

        StoreRow(c, c0, beta, mask, n, addBias, bias);
        if (rows > 1) StoreRow(c + cStride, c1, beta, mask, n, addBias, bias);
        if (rows > 2) StoreRow(c + (2 * cStride), c2, beta, mask, n, addBias, bias);
        if (rows > 3) StoreRow(c + (3 * cStride), c3, beta, mask, n, addBias, bias);
        if (rows > 4) StoreRow(c + (4 * cStride), c4, beta, mask, n, addBias, bias);
        if (rows > 5) StoreRow(c + (5 * cStride), c5, beta, mask, n, addBias, bias);
        if (rows > 6) StoreRow(c + (6 * cStride), c6, beta, mask, n, addBias, bias);
        if (rows > 7) StoreRow(c + (7 * cStride), c7, beta, mask, n, addBias, bias);
        if (rows > 8) StoreRow(c + (8 * cStride), c8, beta, mask, n, addBias, bias);
        if (rows > 9) StoreRow(c + (9 * cStride), c9, beta, mask, n, addBias, bias);
        if (rows > 10) StoreRow(c + (10 * cStride), c10, beta, mask, n, addBias, bias);
        if (rows > 11) StoreRow(c + (11 * cStride), c11, beta, mask, n, addBias, bias);
    }

    /// <summary>
    /// Up to 6 rows of C of exactly 10 columns. Columns 0..7 of row r accumulate in c_r; columns 8 and 9 of rows 0..3
    /// accumulate together in q (lanes 2r and 2r + 1), and those of rows 4 and 5 in the lower half of u, against
    /// (b_p8, b_p9) repeated: 8 multiply-adds a step for 6 rows, where two vectors a row (as for 9 to 16 columns) take 12
    /// and leave 6 of 16 lanes idle. A's elements are spread over q's lanes by blends of the broadcasts the other
    /// accumulators use. Eight accumulators cover the multiply-add's latency (four rows, five accumulators, waited on it).
    /// Rows past <paramref name="rows"/> repeat the last row's elements of A: computed, never stored.
    /// </summary>
    [SkipLocalsInit]
    private static void PairTile(
        float* a, nint rowStep, nint depthStep, float* b, nint bStride, float* c, nint cStride, int rows, int k, float beta,
        bool addBias, Vector256<float> biasEight, Vector128<float> biasPair)
    {
        nint last = rows - 1;
        nint o1 = Math.Min(1, last) * rowStep, o2 = Math.Min(2, last) * rowStep, o3 = Math.Min(3, last) * rowStep;
        nint o4 = Math.Min(4, last) * rowStep, o5 = Math.Min(5, last) * rowStep;
        Vector256<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, q = default, u = default;
        for (int p = 0; p < k; p++)
        {
            // c_r += a_(r, p) b_p[0..8); q[2r + t] += a_(r, p) b_p[8 + t] for r < 4; u[2(r - 4) + t] likewise for r = 4, 5
            Vector256<float> bp = Vector256.Load(b);
            Vector256<float> bPair = Vector256.Create(*(double*)(b + Lanes)).AsSingle();
            Vector256<float> a0 = Vector256.Create(a[0]);
            Vector256<float> a1 = Vector256.Create(a[o1]);
            c0 = Vector256.FusedMultiplyAdd(a0, bp, c0);
            c1 = Vector256.FusedMultiplyAdd(a1, bp, c1);
            Vector256<float> spread = Avx.Blend(a0, a1, 0b0000_1100);
            Vector256<float> a2 = Vector256.Create(a[o2]);
            Vector256<float> a3 = Vector256.Create(a[o3]);
            c2 = Vector256.FusedMultiplyAdd(a2, bp, c2);
            c3 = Vector256.FusedMultiplyAdd(a3, bp, c3);

            // (a0, a0, a1, a1, a2, a2, a3, a3)
            spread = Avx.Blend(spread, Avx.Blend(a2, a3, 0b1100_0000), 0b1111_0000);
            q = Vector256.FusedMultiplyAdd(spread, bPair, q);
            Vector256<float> a4 = Vector256.Create(a[o4]);
            Vector256<float> a5 = Vector256.Create(a[o5]);
            c4 = Vector256.FusedMultiplyAdd(a4, bp, c4);
            c5 = Vector256.FusedMultiplyAdd(a5, bp, c5);

            // (a4, a4, a5, a5, ...): only the lower four lanes are stored
            u = Vector256.FusedMultiplyAdd(Avx.Blend(a4, a5, 0b0000_1100), bPair, u);
            a += depthStep;
            b += bStride;
        }

        Vector256<float> all = Vector256<float>.AllBitsSet;
        Vector128<float> pairs01 = q.GetLower(), pairs23 = q.GetUpper(), pairs45 = u.GetLower();
        StoreRow(c, c0, beta, all, Lanes, addBias, biasEight);
        StorePair(c + Lanes, pairs01, beta, addBias, biasPair);
        if (rows > 1)
        {
            StoreRow(c + cStride, c1, beta, all, Lanes, addBias, biasEight);
            StorePair(c + cStride + Lanes, Sse.MoveHighToLow(pairs01, pairs01), beta, addBias, biasPair);
        }

        if (rows > 2)
        {
            StoreRow(c + (2 * cStride), c2, beta, all, Lanes, addBias, biasEight);
            StorePair(c + (2 * cStride) + Lanes, pairs23, beta, addBias, biasPair);
        }

        if (rows > 3)
        {
            StoreRow(c + (3 * cStride), c3, beta, all, Lanes, addBias, biasEight);
            StorePair(c + (3 * cStride) + Lanes, Sse.MoveHighToLow(pairs23, pairs23), beta, addBias, biasPair);
        }

        if (rows > 4)
        {
            StoreRow(c + (4 * cStride), c4, beta, all, Lanes, addBias, biasEight);
            StorePair(c + (4 * cStride) + Lanes, pairs45, beta, addBias, biasPair);
        }

        if (rows > 5)
        {
            StoreRow(c + (5 * cStride), c5, beta, all, Lanes, addBias, biasEight);
            StorePair(c + (5 * cStride) + Lanes, Sse.MoveHighToLow(pairs45, pairs45), beta, addBias, biasPair);
        }
    }

    /// <summary>C[8..10) of a row = the pair in lanes 0 and 1 + beta C + bias, as one 64-bit store.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePair(float* pair, Vector128<float> accumulator, float beta, bool addBias, Vector128<float> bias)
    {
        if (beta != 0f)
        {
            Vector128<float> previous = Sse2.LoadScalarVector128((double*)pair).AsSingle();
            accumulator = Vector128.FusedMultiplyAdd(previous, Vector128.Create(beta), accumulator);
        }

        if (addBias)
        {
            accumulator += bias;
        }

        Sse2.StoreScalar((double*)pair, accumulator.AsDouble());
    }

    /// <summary>Up to 6 rows of C of 9 to 16 columns, as <see cref="SingleVectorTile"/>.</summary>
    [SkipLocalsInit]
    private static void DoubleVectorTile(
        float* a, nint rowStep, nint depthStep, float* b, nint bStride, float* c, nint cStride, int rows, int n, int k, float beta,
        Vector256<float> upperMask, bool addBias, Vector256<float> biasLower, Vector256<float> biasUpper)
    {
        nint last = rows - 1;
        nint o1 = Math.Min(1, last) * rowStep, o2 = Math.Min(2, last) * rowStep, o3 = Math.Min(3, last) * rowStep;
        nint o4 = Math.Min(4, last) * rowStep, o5 = Math.Min(5, last) * rowStep;
        bool full = n == 2 * Lanes;
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int p = 0; p < k; p++)
        {
            // c_r += a_(r, p) b_p, for the six rows r of the tile, two vectors each
            Vector256<float> b0 = Vector256.Load(b);
            Vector256<float> b1 = full ? Vector256.Load(b + Lanes) : Avx.MaskLoad(b + Lanes, upperMask);
            Vector256<float> ar = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(ar, b0, c00);
            c01 = Vector256.FusedMultiplyAdd(ar, b1, c01);
            ar = Vector256.Create(a[o1]);
            c10 = Vector256.FusedMultiplyAdd(ar, b0, c10);
            c11 = Vector256.FusedMultiplyAdd(ar, b1, c11);
            ar = Vector256.Create(a[o2]);
            c20 = Vector256.FusedMultiplyAdd(ar, b0, c20);
            c21 = Vector256.FusedMultiplyAdd(ar, b1, c21);
            ar = Vector256.Create(a[o3]);
            c30 = Vector256.FusedMultiplyAdd(ar, b0, c30);
            c31 = Vector256.FusedMultiplyAdd(ar, b1, c31);
            ar = Vector256.Create(a[o4]);
            c40 = Vector256.FusedMultiplyAdd(ar, b0, c40);
            c41 = Vector256.FusedMultiplyAdd(ar, b1, c41);
            ar = Vector256.Create(a[o5]);
            c50 = Vector256.FusedMultiplyAdd(ar, b0, c50);
            c51 = Vector256.FusedMultiplyAdd(ar, b1, c51);
            a += depthStep;
            b += bStride;
        }

        StoreDoubleRow(c, c00, c01, beta, upperMask, n, addBias, biasLower, biasUpper);
        if (rows > 1) StoreDoubleRow(c + cStride, c10, c11, beta, upperMask, n, addBias, biasLower, biasUpper);
        if (rows > 2) StoreDoubleRow(c + (2 * cStride), c20, c21, beta, upperMask, n, addBias, biasLower, biasUpper);
        if (rows > 3) StoreDoubleRow(c + (3 * cStride), c30, c31, beta, upperMask, n, addBias, biasLower, biasUpper);
        if (rows > 4) StoreDoubleRow(c + (4 * cStride), c40, c41, beta, upperMask, n, addBias, biasLower, biasUpper);
        if (rows > 5) StoreDoubleRow(c + (5 * cStride), c50, c51, beta, upperMask, n, addBias, biasLower, biasUpper);
    }

    /// <summary>A row of 9 to 16 columns: the first vector whole, the second in the lanes of <paramref name="upperMask"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreDoubleRow(
        float* row, Vector256<float> lower, Vector256<float> upper, float beta, Vector256<float> upperMask, int columns, bool addBias, Vector256<float> biasLower, Vector256<float> biasUpper)
    {
        StoreRow(row, lower, beta, Vector256<float>.AllBitsSet, Lanes, addBias, biasLower);
        StoreRow(row + Lanes, upper, beta, upperMask, columns - Lanes, addBias, biasUpper);
    }

    /// <summary>
    /// C row = acc + beta C row + bias, in the first <paramref name="count"/> (1..8) lanes (those of
    /// <paramref name="mask"/>). A partial row is stored in pieces (<see cref="VectorPieces"/>): the twenty masked stores
    /// of 20 x 10 x 5 had taken most of its time on an AMD Zen core.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* row, Vector256<float> accumulator, float beta, Vector256<float> mask, int count, bool addBias, Vector256<float> bias)
    {
        bool full = count == Lanes;
        if (beta != 0f)
        {
            Vector256<float> previous = full ? Vector256.Load(row) : Avx.MaskLoad(row, mask);
            accumulator = Vector256.FusedMultiplyAdd(previous, Vector256.Create(beta), accumulator);
        }

        if (addBias)
        {
            accumulator += bias;
        }

        VectorPieces.StoreFirst(row, accumulator, count);
    }
}
