using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Nn.Span.ColumnCounts;

namespace Nn.Span;

/// <summary>
/// C = A^T op(B) + beta C for a narrow C (at most 12 columns, such as the 10-class weight gradient h^T dZ2) with A
/// stored K x M. Row p of A holds op(A)[i, p] for consecutive i, so the kernel runs down the rows of C rather than
/// across them: a block of 32 rows is 2 x N accumulators (C[i..i+16, j] and C[i+16..i+32, j] for each column j), and
/// each step p loads two vectors of A's row p and broadcasts B[p, j] once per column. Every lane does useful work (the
/// row-wise tiles use N of 16), and 2N multiply-adds share 2 + N loads (17 loads for 16 in the row-wise band). The
/// block is turned the right way round in registers (16 x 16 transposes) as it is stored.
/// </summary>
/// <remarks>
/// A is read with masked loads only as far as the last row of C, B one element at a time, and C written with masked
/// stores, so nothing past any matrix is touched. Each column count is its own compiled kernel, so that no test for
/// unused columns runs per step.
/// </remarks>
internal static unsafe class TransposedNarrowGemm
{
    /// <summary>The widest C this form takes: 24 accumulators, two vectors of A and a broadcast fit the 32 registers.</summary>
    public const int MaxColumns = 12;

    private const int Lanes = 16;
    private const int BlockRows = 2 * Lanes;

    /// <summary>
    /// The shallowest product this form takes. Its two 16 x 16 transposes per block cost as much as about seven steps
    /// of the row-wise band (which spends 16 multiply-adds a step where this form spends 2N): below eight steps, as in
    /// the outer product h^T dZ2 of a single example, the band is faster.
    /// </summary>
    public const int MinDepth = 8;

    /// <summary>Whether the form serves C = op(A) op(B) of this shape: A^T, at most 12 columns, at least 16 rows and at least <see cref="MinDepth"/> steps.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Suits(Operand opA, int m, int n, int k) =>
        opA == Operand.Transposed && n <= MaxColumns && m >= Lanes && k >= MinDepth && Avx512F.IsSupported;

    /// <summary>
    /// C (M x N, N &lt;= 12) = A^T op(B) + beta C, A stored K x M with row stride <paramref name="aStride"/>. With beta = 0,
    /// C is only written. Shapes are checked by the caller.
    /// </summary>
    public static void Multiply(float* a, nint aStride, float* b, nint bStride, Operand opB, float* c, nint cStride, int m, int n, int k, float beta)
    {
        // Element (p, j) of op(B) sits at b + p * depthStep + j * columnStep.
        nint depthStep = opB == Operand.AsIs ? bStride : 1;
        nint columnStep = opB == Operand.AsIs ? 1 : bStride;
        switch (n)
        {
            case 1: Blocks<One>(a, aStride, b, depthStep, columnStep, c, cStride, m, k, beta); break;
            case 2: Blocks<Two>(a, aStride, b, depthStep, columnStep, c, cStride, m, k, beta); break;
            case 3: Blocks<Three>(a, aStride, b, depthStep, columnStep, c, cStride, m, k, beta); break;
            case 4: Blocks<Four>(a, aStride, b, depthStep, columnStep, c, cStride, m, k, beta); break;
            case 5: Blocks<Five>(a, aStride, b, depthStep, columnStep, c, cStride, m, k, beta); break;
            case 6: Blocks<Six>(a, aStride, b, depthStep, columnStep, c, cStride, m, k, beta); break;
            case 7: Blocks<Seven>(a, aStride, b, depthStep, columnStep, c, cStride, m, k, beta); break;
            case 8: Blocks<Eight>(a, aStride, b, depthStep, columnStep, c, cStride, m, k, beta); break;
            case 9: Blocks<Nine>(a, aStride, b, depthStep, columnStep, c, cStride, m, k, beta); break;
            case 10: Blocks<Ten>(a, aStride, b, depthStep, columnStep, c, cStride, m, k, beta); break;
            case 11: Blocks<Eleven>(a, aStride, b, depthStep, columnStep, c, cStride, m, k, beta); break;
            case 12: Blocks<Twelve>(a, aStride, b, depthStep, columnStep, c, cStride, m, k, beta); break;
            default: throw new ArgumentOutOfRangeException(nameof(n), n, $"Expected 1 to {MaxColumns} columns.");
        }
    }

    private static void Blocks<TColumns>(float* a, nint aStride, float* b, nint depthStep, nint columnStep, float* c, nint cStride, int m, int k, float beta)
        where TColumns : struct, IColumnCount
    {
        for (int i = 0; i < m; i += BlockRows)
        {
            Block<TColumns>(k, a + i, aStride, b, depthStep, columnStep, c + (i * cStride), cStride, Math.Min(BlockRows, m - i), beta);
        }
    }

    /// <summary>
    /// C[0..rows, 0..N] = sum_p A[p, 0..rows]^T op(B)[p, 0..N] (+ beta C) for at most 32 rows: accumulated as columns
    /// of C, then transposed in two 16 x 16 tiles and stored a row at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Block<TColumns>(int depth, float* a, nint aStride, float* b, nint depthStep, nint columnStep, float* c, nint cStride, int rows, float beta)
        where TColumns : struct, IColumnCount
    {
        int n = TColumns.Value;
        Vector512<float> zero = Vector512<float>.Zero;
        Vector512<float> lowRows = LaneMask.First(rows);
        Vector512<float> highRows = LaneMask.First(rows - Lanes);
        Vector512<float> l0 = zero, l1 = zero, l2 = zero, l3 = zero, l4 = zero, l5 = zero, l6 = zero, l7 = zero, l8 = zero, l9 = zero, l10 = zero, l11 = zero;
        Vector512<float> h0 = zero, h1 = zero, h2 = zero, h3 = zero, h4 = zero, h5 = zero, h6 = zero, h7 = zero, h8 = zero, h9 = zero, h10 = zero, h11 = zero;
        nint s = columnStep;
        for (int p = depth; p > 0; p--)
        {
            // l_j += A[p, 0..16] * op(B)[p, j], h_j += A[p, 16..32] * op(B)[p, j]: column j of C, a step deeper
            Vector512<float> low = Avx512F.MaskLoad(a, lowRows, zero);
            Vector512<float> high = Avx512F.MaskLoad(a + Lanes, highRows, zero);
            Vector512<float> bj = Vector512.Create(b[0]);
            l0 = Vector512.FusedMultiplyAdd(low, bj, l0);
            h0 = Vector512.FusedMultiplyAdd(high, bj, h0);
            if (n > 1) { bj = Vector512.Create(b[s]); l1 = Vector512.FusedMultiplyAdd(low, bj, l1); h1 = Vector512.FusedMultiplyAdd(high, bj, h1); }
            if (n > 2) { bj = Vector512.Create(b[2 * s]); l2 = Vector512.FusedMultiplyAdd(low, bj, l2); h2 = Vector512.FusedMultiplyAdd(high, bj, h2); }
            if (n > 3) { bj = Vector512.Create(b[3 * s]); l3 = Vector512.FusedMultiplyAdd(low, bj, l3); h3 = Vector512.FusedMultiplyAdd(high, bj, h3); }
            if (n > 4) { bj = Vector512.Create(b[4 * s]); l4 = Vector512.FusedMultiplyAdd(low, bj, l4); h4 = Vector512.FusedMultiplyAdd(high, bj, h4); }
            if (n > 5) { bj = Vector512.Create(b[5 * s]); l5 = Vector512.FusedMultiplyAdd(low, bj, l5); h5 = Vector512.FusedMultiplyAdd(high, bj, h5); }
            if (n > 6) { bj = Vector512.Create(b[6 * s]); l6 = Vector512.FusedMultiplyAdd(low, bj, l6); h6 = Vector512.FusedMultiplyAdd(high, bj, h6); }
            if (n > 7) { bj = Vector512.Create(b[7 * s]); l7 = Vector512.FusedMultiplyAdd(low, bj, l7); h7 = Vector512.FusedMultiplyAdd(high, bj, h7); }
            if (n > 8) { bj = Vector512.Create(b[8 * s]); l8 = Vector512.FusedMultiplyAdd(low, bj, l8); h8 = Vector512.FusedMultiplyAdd(high, bj, h8); }
            if (n > 9) { bj = Vector512.Create(b[9 * s]); l9 = Vector512.FusedMultiplyAdd(low, bj, l9); h9 = Vector512.FusedMultiplyAdd(high, bj, h9); }
            if (n > 10) { bj = Vector512.Create(b[10 * s]); l10 = Vector512.FusedMultiplyAdd(low, bj, l10); h10 = Vector512.FusedMultiplyAdd(high, bj, h10); }
            if (n > 11) { bj = Vector512.Create(b[11 * s]); l11 = Vector512.FusedMultiplyAdd(low, bj, l11); h11 = Vector512.FusedMultiplyAdd(high, bj, h11); }
            a += aStride;
            b += depthStep;
        }

        // Columns 12..15 of each tile are zero; after the transposes, vector r holds row r of C in its first N lanes.
        Vector512<float> columns = LaneMask.First(n);
        Vector512<float> z12 = zero, z13 = zero, z14 = zero, z15 = zero;
        TileTranspose.InRegisters(ref l0, ref l1, ref l2, ref l3, ref l4, ref l5, ref l6, ref l7, ref l8, ref l9, ref l10, ref l11, ref z12, ref z13, ref z14, ref z15);
        StoreRows(c, cStride, Math.Min(rows, Lanes), columns, beta, l0, l1, l2, l3, l4, l5, l6, l7, l8, l9, l10, l11, z12, z13, z14, z15);
        if (rows > Lanes)
        {
            z12 = zero;
            z13 = zero;
            z14 = zero;
            z15 = zero;
            TileTranspose.InRegisters(ref h0, ref h1, ref h2, ref h3, ref h4, ref h5, ref h6, ref h7, ref h8, ref h9, ref h10, ref h11, ref z12, ref z13, ref z14, ref z15);
            StoreRows(c + (Lanes * cStride), cStride, rows - Lanes, columns, beta, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9, h10, h11, z12, z13, z14, z15);
        }
    }

    /// <summary>C row r = t_r (+ beta C row r) through the column mask, for the first <paramref name="rows"/> rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRows(
        float* c, nint cStride, int rows, Vector512<float> columns, float beta,
        Vector512<float> t0, Vector512<float> t1, Vector512<float> t2, Vector512<float> t3, Vector512<float> t4, Vector512<float> t5, Vector512<float> t6, Vector512<float> t7,
        Vector512<float> t8, Vector512<float> t9, Vector512<float> t10, Vector512<float> t11, Vector512<float> t12, Vector512<float> t13, Vector512<float> t14, Vector512<float> t15)
    {
        StoreRow(c, columns, beta, t0);
        if (rows > 1) StoreRow(c + cStride, columns, beta, t1);
        if (rows > 2) StoreRow(c + (2 * cStride), columns, beta, t2);
        if (rows > 3) StoreRow(c + (3 * cStride), columns, beta, t3);
        if (rows > 4) StoreRow(c + (4 * cStride), columns, beta, t4);
        if (rows > 5) StoreRow(c + (5 * cStride), columns, beta, t5);
        if (rows > 6) StoreRow(c + (6 * cStride), columns, beta, t6);
        if (rows > 7) StoreRow(c + (7 * cStride), columns, beta, t7);
        if (rows > 8) StoreRow(c + (8 * cStride), columns, beta, t8);
        if (rows > 9) StoreRow(c + (9 * cStride), columns, beta, t9);
        if (rows > 10) StoreRow(c + (10 * cStride), columns, beta, t10);
        if (rows > 11) StoreRow(c + (11 * cStride), columns, beta, t11);
        if (rows > 12) StoreRow(c + (12 * cStride), columns, beta, t12);
        if (rows > 13) StoreRow(c + (13 * cStride), columns, beta, t13);
        if (rows > 14) StoreRow(c + (14 * cStride), columns, beta, t14);
        if (rows > 15) StoreRow(c + (15 * cStride), columns, beta, t15);
    }

    /// <summary>C row = row (beta = 0: C not read) or row + beta C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* c, Vector512<float> columns, float beta, Vector512<float> row)
    {
        if (beta != 0f)
        {
            row = Vector512.FusedMultiplyAdd(Avx512F.MaskLoad(c, columns, Vector512<float>.Zero), Vector512.Create(beta), row);
        }

        PageSafeStore.Store(c, columns, row);
    }
}
