using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Nn.Span.ColumnCounts;

namespace Nn.Span;

/// <summary>
/// C = A^T B + beta C for a narrow C (such as the 10-class weight gradient h^T dZ2) with A stored K x M, on processors
/// with AVX2 and FMA but without AVX-512. Row p of A holds op(A)[i, p] for consecutive i, so the kernel runs down the
/// columns of C rather than across its rows: a block of 16 rows and at most five columns is ten accumulators
/// (C[i..i+8, j] and C[i+8..i+16, j] for each column j), and each step p loads two vectors of A's row p and broadcasts
/// B[p, j] once per column. Every lane does useful work, where the row-wise tiles (<see cref="NarrowGemm256"/>) use N of
/// 8 lanes (or N of 16), and each step reads one 64-byte stretch of A's row where they read six elements of it. The
/// block is turned the right way round in registers (8 x 8 transposes) as it is stored.
/// </summary>
/// <remarks>
/// A is read with masked loads only as far as the last row of C, B one element at a time, and C written in pieces of
/// its columns, so nothing past any matrix is touched.
/// </remarks>
[SkipLocalsInit]
internal static unsafe class TransposedNarrowGemm256
{
    /// <summary>The widest C this form takes, as <see cref="NarrowGemm256"/>.</summary>
    public const int MaxColumns = NarrowGemm256.MaxColumns;

    /// <summary>Columns per pass: two vectors of rows by five columns are ten accumulators, with A's two vectors and a broadcast 13 of 16 registers.</summary>
    private const int PassColumns = 5;

    private const int Lanes = 8;

    private const int BlockRows = 2 * Lanes;

    /// <summary>The least height of a product of nine or ten columns: below it, most lanes of the second vector of rows idle.</summary>
    public const int LeastRowsTwoPasses = BlockRows;

    /// <summary>
    /// Whether the form serves C = A^T B + beta C of this shape (B as stored, no bias, on a processor that
    /// <see cref="NarrowGemm256"/> serves): at most five columns, or nine or ten with M &gt;= 16. Against the row-wise
    /// tiles on A^T it ran 1.6-2.4x faster at 512 x 256 x N for N = 1, 4 and 5, 1.8x at 2 x 512 x 4, 1.35x at 512 x 256 x 9,
    /// 1.2x at 512 x 256 x 10 (the network's h^T dZ2), 1.15x at 512 x 64 x 10, 1.03x at 512 x 16 x 10, 1.4-1.6x at
    /// 16 x 256 x 9 and 10. It gained little or lost with 6 to 8 columns (1.02-1.10x; 1.0x at 8, where the tiles use every
    /// lane), 11 to 16 (three or four passes over A; 0.77x at 16), and 9 or 10 columns of fewer than 16 rows (0.97x at
    /// 8 x 256 x 10). A row stride of a power of two puts every step's stretch of A in the same few sets of L1: with A's
    /// rows padded by 16 floats the same product ran 1.22x faster still. Informal, interleaved in one process, AMD Zen 3.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Suits(int m, int n, int k) => n <= PassColumns || (n is 9 or 10 && m >= LeastRowsTwoPasses);

    /// <summary>
    /// C (M x N, N &lt;= 16) = A^T B + beta C, A stored K x M with row stride <paramref name="aStride"/>, B as stored. With
    /// beta = 0, C is only written. M, N, K &gt;= 1; shapes are checked by the caller.
    /// </summary>
    public static void Multiply(float* a, nint aStride, float* b, nint bStride, float* c, nint cStride, int m, int n, int k, float beta)
    {
        // Blocks of 16 rows, each block's N columns in passes of at most five, as even as they go (10 = 5 + 5).
        int passes = (n + PassColumns - 1) / PassColumns;
        for (int i = 0; i < m; i += BlockRows)
        {
            int rows = Math.Min(BlockRows, m - i);
            for (int pass = 0, first = 0; pass < passes; pass++)
            {
                int width = (n - first) / (passes - pass);
                float* block = c + (i * cStride) + first;
                switch (width)
                {
                    case 1: Block<One>(a + i, aStride, b + first, bStride, block, cStride, rows, k, beta); break;
                    case 2: Block<Two>(a + i, aStride, b + first, bStride, block, cStride, rows, k, beta); break;
                    case 3: Block<Three>(a + i, aStride, b + first, bStride, block, cStride, rows, k, beta); break;
                    case 4: Block<Four>(a + i, aStride, b + first, bStride, block, cStride, rows, k, beta); break;
                    default: Block<Five>(a + i, aStride, b + first, bStride, block, cStride, rows, k, beta); break;
                }

                first += width;
            }
        }
    }

    /// <summary>
    /// Rows 0 .. <paramref name="rows"/> - 1 (at most 16) and N &lt;= 5 columns of C: x_j = C[0..8, j] and y_j = C[8..16, j]
    /// accumulated over all K steps, then stored row by row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Block<TColumns>(float* a, nint aStride, float* b, nint bStride, float* c, nint cStride, int rows, int k, float beta)
        where TColumns : struct, IColumnCount
    {
        int n = TColumns.Value;
        bool full = rows == BlockRows;
        Vector256<float> lowerRows = LaneMask.First256(rows);
        Vector256<float> upperRows = LaneMask.First256(rows - Lanes);
        Vector256<float> zero = Vector256<float>.Zero;
        Vector256<float> x0 = zero, x1 = zero, x2 = zero, x3 = zero, x4 = zero;
        Vector256<float> y0 = zero, y1 = zero, y2 = zero, y3 = zero, y4 = zero;
        for (int p = 0; p < k; p++, a += aStride, b += bStride)
        {
            // x_j += A[p, 0..8] B[p, j], y_j += A[p, 8..16] B[p, j]; a partial block reads A only as far as its last row.
            Vector256<float> r0 = full ? Vector256.Load(a) : Avx.MaskLoad(a, lowerRows);
            Vector256<float> r1 = full ? Vector256.Load(a + Lanes) : Avx.MaskLoad(a + Lanes, upperRows);
            Vector256<float> bj = Vector256.Create(b[0]);
            x0 = Vector256.FusedMultiplyAdd(r0, bj, x0);
            y0 = Vector256.FusedMultiplyAdd(r1, bj, y0);
            if (n > 1) { bj = Vector256.Create(b[1]); x1 = Vector256.FusedMultiplyAdd(r0, bj, x1); y1 = Vector256.FusedMultiplyAdd(r1, bj, y1); }
            if (n > 2) { bj = Vector256.Create(b[2]); x2 = Vector256.FusedMultiplyAdd(r0, bj, x2); y2 = Vector256.FusedMultiplyAdd(r1, bj, y2); }
            if (n > 3) { bj = Vector256.Create(b[3]); x3 = Vector256.FusedMultiplyAdd(r0, bj, x3); y3 = Vector256.FusedMultiplyAdd(r1, bj, y3); }
            if (n > 4) { bj = Vector256.Create(b[4]); x4 = Vector256.FusedMultiplyAdd(r0, bj, x4); y4 = Vector256.FusedMultiplyAdd(r1, bj, y4); }
        }

        StoreRows(c, cStride, Math.Min(rows, Lanes), n, beta, x0, x1, x2, x3, x4);
        if (rows > Lanes)
        {
            StoreRows(c + (Lanes * cStride), cStride, rows - Lanes, n, beta, y0, y1, y2, y3, y4);
        }
    }

    /// <summary>
    /// The first <paramref name="rows"/> rows of an 8-row block held as columns (v_j = column j), transposed and stored
    /// in their first N columns: C row = row, or row + beta C.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRows(
        float* c, nint cStride, int rows, int n, float beta, Vector256<float> v0, Vector256<float> v1, Vector256<float> v2, Vector256<float> v3, Vector256<float> v4)
    {
        Vector256<float> v5 = Vector256<float>.Zero, v6 = Vector256<float>.Zero, v7 = Vector256<float>.Zero;
        TileTranspose256.Transpose(ref v0, ref v1, ref v2, ref v3, ref v4, ref v5, ref v6, ref v7);
        Vector256<float> columnMask = LaneMask.First256(n);
        StoreRow(c, v0, n, beta, columnMask);
        if (rows > 1) StoreRow(c + cStride, v1, n, beta, columnMask);
        if (rows > 2) StoreRow(c + (2 * cStride), v2, n, beta, columnMask);
        if (rows > 3) StoreRow(c + (3 * cStride), v3, n, beta, columnMask);
        if (rows > 4) StoreRow(c + (4 * cStride), v4, n, beta, columnMask);
        if (rows > 5) StoreRow(c + (5 * cStride), v5, n, beta, columnMask);
        if (rows > 6) StoreRow(c + (6 * cStride), v6, n, beta, columnMask);
        if (rows > 7) StoreRow(c + (7 * cStride), v7, n, beta, columnMask);
    }

    /// <summary>C row = sums, or beta C + sums, in its first <paramref name="n"/> columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* c, Vector256<float> sums, int n, float beta, Vector256<float> columnMask)
    {
        if (beta != 0f)
        {
            sums = Vector256.FusedMultiplyAdd(Avx.MaskLoad(c, columnMask), Vector256.Create(beta), sums);
        }

        VectorPieces.StoreFirst(c, sums, n);
    }
}
