using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Nn.Span.ColumnCounts;

namespace Nn.Span;

/// <summary>
/// C = A op(B) + beta C, or A op(B) + bias, for a narrow C (at most 12 columns, such as the 10 logits h W2) and a deep
/// product (K &gt;= 256), as dot products: C[i, j] = A[i, :] . op(B)[:, j]. Rows of A are contiguous and the columns of
/// op(B) are made so (a chunk of 512 depths at a time, copied onto the stack and padded with zeros to whole vectors),
/// so every lane of every multiply-add does useful work, where a row-wise tile uses N of 16. Two rows of A share each
/// load of op(B): 2N multiply-adds per 2 + N loads. The 2N accumulators are summed across their lanes once per chunk.
/// </summary>
/// <remarks>
/// Reads of A stop at the last depth (a masked read for the rest of 16) and C is written with masked stores, so nothing
/// past any matrix is touched.
/// </remarks>
[SkipLocalsInit]
internal static unsafe class DeepNarrowGemm
{
    /// <summary>The widest C this form takes: 24 accumulators and three operands fit the 32 registers.</summary>
    public const int MaxColumns = 12;

    /// <summary>The depth from which this form takes any height and up to 12 columns.</summary>
    public const int MinDepth = 256;

    /// <summary>
    /// Shallower products with at most 10 columns run here when min(M, 64) K (16 - N) reaches this: the band's share of
    /// idle lanes (16 - N of 16) and the rows over which the copy of op(B) is spread must outweigh the sums across
    /// lanes, paid once per row and column. Measured on an Intel Xeon (Sapphire Rapids class) against the row-wise
    /// band, this form was 1.03-1.14x faster at 64 x 96 x 10, 48 x 128 x 10, 32 x 192 x 10, 48 x 96 x 8, 32 x 128 x 8 and
    /// 32 x 96 x 5 (M x K x N), and 0.90-0.96x at 48 x 96 x 10, 32 x 128 x 10, 24 x 192 x 10, 32 x 96 x 8 and 24 x 128 x 8,
    /// which this threshold separates; 1.09x for the digits network's logits (64 x 128 x 10).
    /// </summary>
    private const long ShallowWork = 1 << 15;

    /// <summary>
    /// The least depth of a shallower product: 96, or 64 with at most 5 columns (64 x 64 x 10 ran 0.88x, 256 x 64 x 10
    /// 0.92x, and 64 x 64 x 5 1.13x, 256 x 64 x 5 1.27x).
    /// </summary>
    private static int LeastShallowDepth(int n) => n <= 5 ? LeastDepth : 96;

    /// <summary>The least depth of any product this form takes.</summary>
    public const int LeastDepth = 64;

    /// <summary>Depths per chunk: the chunk of op(B)'s columns (at most 12 x 512 floats = 24 KiB) stays in L1.</summary>
    private const int ChunkDepth = 512;

    private const int Lanes = 16;

    /// <summary>
    /// Whether the form serves C = op(A) op(B) of this shape: A as stored, at most 12 columns, and K &gt;= 256, or with
    /// at most 10 columns a shallower product of enough rows (see <see cref="ShallowWork"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Suits(Operand opA, int m, int n, int k) =>
        opA == Operand.AsIs && n <= MaxColumns && Avx512F.IsSupported &&
        (k >= MinDepth || (n <= 10 && k >= LeastShallowDepth(n) && (long)Math.Min(m, 64) * k * (Lanes - n) >= ShallowWork));

    /// <summary>
    /// C (M x N, N &lt;= 12) = A op(B) + beta C, plus <paramref name="bias"/> (N values, beta = 0) when it is not null. With
    /// beta = 0, C is only written. Shapes are checked by the caller.
    /// </summary>
    public static void Multiply(float* a, nint aStride, float* b, nint bStride, Operand opB, float* c, nint cStride, int m, int n, int k, float beta, float* bias)
    {
        switch (n)
        {
            case 1: Chunks<One>(a, aStride, b, bStride, opB, c, cStride, m, k, beta, bias); break;
            case 2: Chunks<Two>(a, aStride, b, bStride, opB, c, cStride, m, k, beta, bias); break;
            case 3: Chunks<Three>(a, aStride, b, bStride, opB, c, cStride, m, k, beta, bias); break;
            case 4: Chunks<Four>(a, aStride, b, bStride, opB, c, cStride, m, k, beta, bias); break;
            case 5: Chunks<Five>(a, aStride, b, bStride, opB, c, cStride, m, k, beta, bias); break;
            case 6: Chunks<Six>(a, aStride, b, bStride, opB, c, cStride, m, k, beta, bias); break;
            case 7: Chunks<Seven>(a, aStride, b, bStride, opB, c, cStride, m, k, beta, bias); break;
            case 8: Chunks<Eight>(a, aStride, b, bStride, opB, c, cStride, m, k, beta, bias); break;
            case 9: Chunks<Nine>(a, aStride, b, bStride, opB, c, cStride, m, k, beta, bias); break;
            case 10: Chunks<Ten>(a, aStride, b, bStride, opB, c, cStride, m, k, beta, bias); break;
            case 11: Chunks<Eleven>(a, aStride, b, bStride, opB, c, cStride, m, k, beta, bias); break;
            case 12: Chunks<Twelve>(a, aStride, b, bStride, opB, c, cStride, m, k, beta, bias); break;
            default: throw new ArgumentOutOfRangeException(nameof(n), n, $"Expected 1 to {MaxColumns} columns.");
        }
    }

    private static void Chunks<TColumns>(float* a, nint aStride, float* b, nint bStride, Operand opB, float* c, nint cStride, int m, int k, float beta, float* bias)
        where TColumns : struct, IColumnCount
    {
        int n = TColumns.Value;
        Vector512<float>* memory = stackalloc Vector512<float>[(MaxColumns * ChunkDepth / Lanes) + 1];
        float* columns = (float*)CacheLine.Align(memory);
        Vector512<float> columnMask = LaneMask.First(n);
        for (int p = 0; p < k; p += ChunkDepth)
        {
            // columns[j * padded + q] = op(B)[p + q, j], zero from q = depth to the next multiple of 16, so that every
            // step reads whole vectors of it.
            int depth = Math.Min(ChunkDepth, k - p);
            int padded = (depth + Lanes - 1) & ~(Lanes - 1);
            if (opB == Operand.AsIs)
            {
                TileTranspose.Copy(b + (p * bStride), bStride, depth, n, columns, padded);
            }
            else
            {
                for (int j = 0; j < n; j++)
                {
                    new ReadOnlySpan<float>(b + (j * bStride) + p, depth).CopyTo(new Span<float>(columns + (j * padded), depth));
                }
            }

            for (int j = 0; j < n; j++)
            {
                new Span<float>(columns + (j * padded) + depth, padded - depth).Clear();
            }

            // The first chunk writes C (beta C, or the bias, added to it); later ones add to it.
            DepthChunkStart start = p > 0 ? DepthChunkStart.AddToC : beta != 0f ? DepthChunkStart.ScaleC : bias != null ? DepthChunkStart.Bias : DepthChunkStart.Overwrite;
            Vector512<float> biasRow = start == DepthChunkStart.Bias ? Avx512F.MaskLoad(bias, columnMask, Vector512<float>.Zero) : default;
            for (int i = 0; i < m; i += 2)
            {
                bool pair = i + 1 < m;
                float* row = a + (i * aStride) + p;
                RowPair<TColumns>(depth, row, pair ? row + aStride : row, columns, padded, c + (i * cStride), pair ? c + ((i + 1) * cStride) : null, start, beta, biasRow, columnMask);
            }
        }
    }

    /// <summary>
    /// Rows i and i + 1 of C (the second only when <paramref name="c1"/> is not null) over one chunk of depths: 2N
    /// accumulators of 16 depths each, then their lane sums as one row vector each.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void RowPair<TColumns>(
        int depth, float* a0, float* a1, float* b, nint bStride, float* c0, float* c1, DepthChunkStart start, float beta, Vector512<float> bias, Vector512<float> columnMask)
        where TColumns : struct, IColumnCount
    {
        int n = TColumns.Value;
        Vector512<float> zero = Vector512<float>.Zero;
        Vector512<float> x0 = zero, x1 = zero, x2 = zero, x3 = zero, x4 = zero, x5 = zero, x6 = zero, x7 = zero, x8 = zero, x9 = zero, x10 = zero, x11 = zero;
        Vector512<float> y0 = zero, y1 = zero, y2 = zero, y3 = zero, y4 = zero, y5 = zero, y6 = zero, y7 = zero, y8 = zero, y9 = zero, y10 = zero, y11 = zero;
        Vector512<float> tail = LaneMask.First(depth % Lanes);
        for (int q = 0; q < depth; q += Lanes)
        {
            // x_j += A[i, q..q+16] * op(B)[q..q+16, j], y_j += A[i + 1, q..q+16] * op(B)[q..q+16, j]; A's rows end at the
            // last depth (a masked read for the rest of 16), op(B)'s columns are padded with zeros.
            bool whole = depth - q >= Lanes;
            Vector512<float> r0 = whole ? Vector512.Load(a0 + q) : Avx512F.MaskLoad(a0 + q, tail, zero);
            Vector512<float> r1 = whole ? Vector512.Load(a1 + q) : Avx512F.MaskLoad(a1 + q, tail, zero);
            float* bq = b + q;
            Vector512<float> bj = Vector512.Load(bq);
            x0 = Vector512.FusedMultiplyAdd(r0, bj, x0);
            y0 = Vector512.FusedMultiplyAdd(r1, bj, y0);
            if (n > 1) { bj = Vector512.Load(bq + bStride); x1 = Vector512.FusedMultiplyAdd(r0, bj, x1); y1 = Vector512.FusedMultiplyAdd(r1, bj, y1); }
            if (n > 2) { bj = Vector512.Load(bq + (2 * bStride)); x2 = Vector512.FusedMultiplyAdd(r0, bj, x2); y2 = Vector512.FusedMultiplyAdd(r1, bj, y2); }
            if (n > 3) { bj = Vector512.Load(bq + (3 * bStride)); x3 = Vector512.FusedMultiplyAdd(r0, bj, x3); y3 = Vector512.FusedMultiplyAdd(r1, bj, y3); }
            if (n > 4) { bj = Vector512.Load(bq + (4 * bStride)); x4 = Vector512.FusedMultiplyAdd(r0, bj, x4); y4 = Vector512.FusedMultiplyAdd(r1, bj, y4); }
            if (n > 5) { bj = Vector512.Load(bq + (5 * bStride)); x5 = Vector512.FusedMultiplyAdd(r0, bj, x5); y5 = Vector512.FusedMultiplyAdd(r1, bj, y5); }
            if (n > 6) { bj = Vector512.Load(bq + (6 * bStride)); x6 = Vector512.FusedMultiplyAdd(r0, bj, x6); y6 = Vector512.FusedMultiplyAdd(r1, bj, y6); }
            if (n > 7) { bj = Vector512.Load(bq + (7 * bStride)); x7 = Vector512.FusedMultiplyAdd(r0, bj, x7); y7 = Vector512.FusedMultiplyAdd(r1, bj, y7); }
            if (n > 8) { bj = Vector512.Load(bq + (8 * bStride)); x8 = Vector512.FusedMultiplyAdd(r0, bj, x8); y8 = Vector512.FusedMultiplyAdd(r1, bj, y8); }
            if (n > 9) { bj = Vector512.Load(bq + (9 * bStride)); x9 = Vector512.FusedMultiplyAdd(r0, bj, x9); y9 = Vector512.FusedMultiplyAdd(r1, bj, y9); }
            if (n > 10) { bj = Vector512.Load(bq + (10 * bStride)); x10 = Vector512.FusedMultiplyAdd(r0, bj, x10); y10 = Vector512.FusedMultiplyAdd(r1, bj, y10); }
            if (n > 11) { bj = Vector512.Load(bq + (11 * bStride)); x11 = Vector512.FusedMultiplyAdd(r0, bj, x11); y11 = Vector512.FusedMultiplyAdd(r1, bj, y11); }
        }

        // Lane j of each sum is the dot product for column j (lanes from N on are sums of zeros).
        StoreRow(c0, LaneSums(x0, x1, x2, x3, x4, x5, x6, x7, x8, x9, x10, x11), start, beta, bias, columnMask);
        if (c1 != null)
        {
            StoreRow(c1, LaneSums(y0, y1, y2, y3, y4, y5, y6, y7, y8, y9, y10, y11), start, beta, bias, columnMask);
        }
    }

    /// <summary>C row = sums, beta C + sums, bias + sums, or C + sums, through the column mask.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* c, Vector512<float> sums, DepthChunkStart start, float beta, Vector512<float> bias, Vector512<float> columnMask)
    {
        Vector512<float> row = start switch
        {
            DepthChunkStart.AddToC => Avx512F.MaskLoad(c, columnMask, Vector512<float>.Zero) + sums,
            DepthChunkStart.ScaleC => Vector512.FusedMultiplyAdd(Avx512F.MaskLoad(c, columnMask, Vector512<float>.Zero), Vector512.Create(beta), sums),
            DepthChunkStart.Bias => sums + bias,
            _ => sums,
        };
        PageSafeStore.Store(c, columnMask, row);
    }

    /// <summary>
    /// A vector whose lane j is the sum of the lanes of v_j (j &lt; 12; lanes 12..15 are 0): pairs of vectors are
    /// interleaved and added (within 128-bit lanes), then pairs of pairs, then the four 128-bit lanes are gathered and
    /// added, 30 shuffles and 15 additions for sixteen sums.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> LaneSums(
        Vector512<float> v0, Vector512<float> v1, Vector512<float> v2, Vector512<float> v3, Vector512<float> v4, Vector512<float> v5,
        Vector512<float> v6, Vector512<float> v7, Vector512<float> v8, Vector512<float> v9, Vector512<float> v10, Vector512<float> v11)
    {
        // w_k, in 128-bit lane l: (v_2k, v_2k+1, v_2k, v_2k+1), each the sum of two of that lane's four elements
        Vector512<float> w0 = Avx512F.UnpackLow(v0, v1) + Avx512F.UnpackHigh(v0, v1);
        Vector512<float> w1 = Avx512F.UnpackLow(v2, v3) + Avx512F.UnpackHigh(v2, v3);
        Vector512<float> w2 = Avx512F.UnpackLow(v4, v5) + Avx512F.UnpackHigh(v4, v5);
        Vector512<float> w3 = Avx512F.UnpackLow(v6, v7) + Avx512F.UnpackHigh(v6, v7);
        Vector512<float> w4 = Avx512F.UnpackLow(v8, v9) + Avx512F.UnpackHigh(v8, v9);
        Vector512<float> w5 = Avx512F.UnpackLow(v10, v11) + Avx512F.UnpackHigh(v10, v11);

        // x_m, in 128-bit lane l: (v_4m, v_4m+1, v_4m+2, v_4m+3), each the sum of that lane's four elements
        Vector512<float> x0 = PairSum(w0, w1);
        Vector512<float> x1 = PairSum(w2, w3);
        Vector512<float> x2 = PairSum(w4, w5);

        // 128-bit lane m of the result: the sum of the four 128-bit lanes of x_m (x_3 = 0)
        Vector512<float> zero = Vector512<float>.Zero;
        Vector512<float> t01 = Avx512F.Shuffle4x128(x0, x1, 0x88) + Avx512F.Shuffle4x128(x0, x1, 0xDD);
        Vector512<float> t23 = Avx512F.Shuffle4x128(x2, zero, 0x88) + Avx512F.Shuffle4x128(x2, zero, 0xDD);
        return Avx512F.Shuffle4x128(t01, t23, 0x88) + Avx512F.Shuffle4x128(t01, t23, 0xDD);
    }

    /// <summary>(low 64 bits of each 128-bit lane of a and b) + (high 64 bits of each).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> PairSum(Vector512<float> a, Vector512<float> b) =>
        Avx512F.UnpackLow(a.AsDouble(), b.AsDouble()).AsSingle() + Avx512F.UnpackHigh(a.AsDouble(), b.AsDouble()).AsSingle();
}
