using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Nn.Span.ColumnCounts;

namespace Nn.Span;

/// <summary>
/// C = A B + beta C, or A B + bias, for a C of at most five columns and a deep product on processors with AVX2 and FMA
/// but without AVX-512, as dot products: C[i, j] = A[i, :] . B[:, j]. Rows of A are contiguous and the columns of B are
/// made so (a chunk of depths at a time, copied onto the stack and padded with zeros to whole vectors), so every lane of
/// every multiply-add does useful work, where the row-wise tiles (<see cref="NarrowGemm256"/>) use N of 8. Two rows of
/// A share each load of a column, and each column load serves both rows: ten accumulators, and ten multiply-adds of
/// seven loads, nothing broadcast.
/// </summary>
/// <remarks>
/// Reads of A stop at the last depth (a masked read for the rest of a vector), and C is written in pieces of its
/// columns, so nothing past any matrix is touched.
/// </remarks>
[SkipLocalsInit]
internal static unsafe class DeepNarrowGemm256
{
    /// <summary>The widest C this form takes: two rows of five columns are ten accumulators, with two rows of A and a column 13 of 16 registers.</summary>
    public const int MaxColumns = 5;

    /// <summary>The least depth this form takes.</summary>
    public const int LeastDepth = 128;

    /// <summary>The floats of B's columns held at once: 20 KiB, which stays in L1 beside two rows of A.</summary>
    private const int ChunkFloats = 5 * 1024;

    private const int Lanes = 8;

    /// <summary>
    /// Whether the form serves C = A B + beta C of this shape (A and B as stored, on a processor that
    /// <see cref="NarrowGemm256"/> serves): at most five columns, K &gt;= 128. Against the row-wise tiles, which fill N of
    /// the 8 lanes of each row's vector, it ran 1.6-2.2x faster at 256 x 512 x N for N = 1 to 5 in one hour and 1.34-1.8x
    /// in another (N = 5 and 2), 1.7x at 4 x 128 x 5, 1.24x at 64 x 128 x 5, 1.4x at 256 x 128 x 4, 1.8-2.8x at 2 and 6 x
    /// 512 x 4; at K = 64 it gained nothing (256 x 64 x 4: 1.0x). Wider C were measured too, in passes of at most five
    /// columns, and left to the tiles: nine and ten columns ran 1.01-1.26x faster in one hour and 0.86-0.95x in another
    /// (256 x 512 x 10, 256 x 512 x 9, 64 x 300 x 9), eight 0.97x, sixteen 0.62x. Informal, interleaved in one process,
    /// AMD Zen 3 shared with other load.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Suits(int n, int k) => n <= MaxColumns && k >= LeastDepth;

    /// <summary>
    /// C (M x N, N &lt;= 5) = A B + beta C, plus <paramref name="bias"/> (N values, beta = 0) when it is not null, with
    /// A's rows contiguous (row stride <paramref name="aStride"/>) and B as stored. With beta = 0, C is only written.
    /// M, N, K &gt;= 1; shapes are checked by the caller.
    /// </summary>
    public static void Multiply(float* a, nint aStride, float* b, nint bStride, float* c, nint cStride, int m, int n, int k, float beta, float* bias)
    {
        switch (n)
        {
            case 1: Chunks<One>(a, aStride, b, bStride, c, cStride, m, k, beta, bias); break;
            case 2: Chunks<Two>(a, aStride, b, bStride, c, cStride, m, k, beta, bias); break;
            case 3: Chunks<Three>(a, aStride, b, bStride, c, cStride, m, k, beta, bias); break;
            case 4: Chunks<Four>(a, aStride, b, bStride, c, cStride, m, k, beta, bias); break;
            case 5: Chunks<Five>(a, aStride, b, bStride, c, cStride, m, k, beta, bias); break;
            default: throw new ArgumentOutOfRangeException(nameof(n), n, $"Expected 1 to {MaxColumns} columns.");
        }
    }

    /// <summary>Depths per chunk: as many whole vectors as fit the chunk's floats for N columns (1024 for 5).</summary>
    internal static int ChunkDepth(int n) => ChunkFloats / n & ~(Lanes - 1);

    private static void Chunks<TColumns>(float* a, nint aStride, float* b, nint bStride, float* c, nint cStride, int m, int k, float beta, float* bias)
        where TColumns : struct, IColumnCount
    {
        int n = TColumns.Value;
        int chunkDepth = ChunkDepth(n);
        Vector256<float>* memory = stackalloc Vector256<float>[(ChunkFloats / Lanes) + 2];
        float* columns = CacheLine.Align((float*)memory);
        for (int p = 0; p < k; p += chunkDepth)
        {
            // columns[j * padded + q] = B[p + q, j], zero from q = depth to the next multiple of 8, so that every step
            // reads whole vectors of it.
            int depth = Math.Min(chunkDepth, k - p);
            int padded = (depth + Lanes - 1) & ~(Lanes - 1);
            CopyColumns(b + (p * bStride), bStride, depth, n, columns, padded);

            // The first chunk writes C (beta C, or the bias, added to it); later ones add to it.
            DepthChunkStart start = p > 0 ? DepthChunkStart.AddToC : beta != 0f ? DepthChunkStart.ScaleC : bias != null ? DepthChunkStart.Bias : DepthChunkStart.Overwrite;
            float* chunkBias = start == DepthChunkStart.Bias ? bias : null;

            // Two rows at a time; an odd last row is computed twice and stored once.
            for (int i = 0; i < m; i += 2)
            {
                bool pair = i + 1 < m;
                float* a0 = a + (i * aStride) + p;
                float* c0 = c + (i * cStride);
                RowPair<TColumns>(depth, a0, pair ? a0 + aStride : a0, columns, padded, c0, pair ? c0 + cStride : null, start, beta, chunkBias);
            }
        }
    }

    /// <summary>
    /// columns[j * padded + q] = B[q, j] for q &lt; <paramref name="depth"/> and j &lt; N (at most 8), and 0 from q = depth
    /// to <paramref name="padded"/> (the next multiple of 8): eight rows of B at a time read with masked loads and
    /// transposed in registers. Nothing past B's N columns or its <paramref name="depth"/> rows is read.
    /// </summary>
    private static void CopyColumns(float* b, nint bStride, int depth, int n, float* columns, nint padded)
    {
        for (int q = 0; q < depth; q += Lanes)
        {
            TileTranspose256.CopyMasked(b + (q * bStride), bStride, Math.Min(Lanes, depth - q), n, columns + q, padded, Lanes);
        }
    }

    /// <summary>
    /// Rows i and i + 1 of C (the second only when <paramref name="c1"/> is not null), N &lt;= 5 columns, over one chunk
    /// of depths: 2N accumulators of 8 depths each, then their lane sums as one row each.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void RowPair<TColumns>(
        int depth, float* a0, float* a1, float* b, nint bStride, float* c0, float* c1, DepthChunkStart start, float beta, float* bias)
        where TColumns : struct, IColumnCount
    {
        int n = TColumns.Value;
        Vector256<float> columnMask = LaneMask.First256(n);
        Vector256<float> biasRow = bias != null ? Avx.MaskLoad(bias, columnMask) : default;
        Vector256<float> zero = Vector256<float>.Zero;
        Vector256<float> x0 = zero, x1 = zero, x2 = zero, x3 = zero, x4 = zero;
        Vector256<float> y0 = zero, y1 = zero, y2 = zero, y3 = zero, y4 = zero;
        Vector256<float> tail = LaneMask.First256(depth % Lanes);
        int whole = depth & ~(Lanes - 1);
        for (int q = 0; q < depth; q += Lanes)
        {
            // x_j += A[i, q..q+8] * B[q..q+8, j], y_j += A[i + 1, q..q+8] * B[q..q+8, j]; A's rows end at the last depth
            // (a masked read for the rest of 8), B's columns are padded with zeros.
            Vector256<float> r0, r1;
            if (q < whole)
            {
                r0 = Vector256.Load(a0 + q);
                r1 = Vector256.Load(a1 + q);
            }
            else
            {
                r0 = Avx.MaskLoad(a0 + q, tail);
                r1 = Avx.MaskLoad(a1 + q, tail);
            }

            float* bq = b + q;
            Vector256<float> bj = Vector256.Load(bq);
            x0 = Vector256.FusedMultiplyAdd(r0, bj, x0);
            y0 = Vector256.FusedMultiplyAdd(r1, bj, y0);
            if (n > 1) { bj = Vector256.Load(bq + bStride); x1 = Vector256.FusedMultiplyAdd(r0, bj, x1); y1 = Vector256.FusedMultiplyAdd(r1, bj, y1); }
            if (n > 2) { bj = Vector256.Load(bq + (2 * bStride)); x2 = Vector256.FusedMultiplyAdd(r0, bj, x2); y2 = Vector256.FusedMultiplyAdd(r1, bj, y2); }
            if (n > 3) { bj = Vector256.Load(bq + (3 * bStride)); x3 = Vector256.FusedMultiplyAdd(r0, bj, x3); y3 = Vector256.FusedMultiplyAdd(r1, bj, y3); }
            if (n > 4) { bj = Vector256.Load(bq + (4 * bStride)); x4 = Vector256.FusedMultiplyAdd(r0, bj, x4); y4 = Vector256.FusedMultiplyAdd(r1, bj, y4); }
        }

        // Lane j of each sum is the dot product for column j (lanes from N on are not stored).
        StoreRow(c0, LaneSums(x0, x1, x2, x3, x4), n, start, beta, biasRow, columnMask);
        if (c1 != null)
        {
            StoreRow(c1, LaneSums(y0, y1, y2, y3, y4), n, start, beta, biasRow, columnMask);
        }
    }

    /// <summary>C row = sums, beta C + sums, bias + sums, or C + sums, in its first <paramref name="n"/> columns.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow(float* c, Vector256<float> sums, int n, DepthChunkStart start, float beta, Vector256<float> bias, Vector256<float> columnMask)
    {
        Vector256<float> row = start switch
        {
            DepthChunkStart.AddToC => Avx.MaskLoad(c, columnMask) + sums,
            DepthChunkStart.ScaleC => Vector256.FusedMultiplyAdd(Avx.MaskLoad(c, columnMask), Vector256.Create(beta), sums),
            DepthChunkStart.Bias => sums + bias,
            _ => sums,
        };
        VectorPieces.StoreFirst(c, row, n);
    }

    /// <summary>
    /// A vector whose lane j is the sum of the lanes of v_j for j &lt; 4, and whose lanes 4..7 hold the sum of v_4's: pairs
    /// of vectors added across neighbouring lanes (within 128-bit halves) twice, then the two halves added.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> LaneSums(Vector256<float> v0, Vector256<float> v1, Vector256<float> v2, Vector256<float> v3, Vector256<float> v4)
    {
        // In each 128-bit half: (v0, v1, v2, v3) each the sum of that half's four elements; and v4's sum in every lane.
        Vector256<float> quads = Avx.HorizontalAdd(Avx.HorizontalAdd(v0, v1), Avx.HorizontalAdd(v2, v3));
        Vector256<float> fourth = Avx.HorizontalAdd(v4, v4);
        fourth = Avx.HorizontalAdd(fourth, fourth);

        // Lower halves of both beside each other, plus the upper halves.
        return Avx.Permute2x128(quads, fourth, 0x20) + Avx.Permute2x128(quads, fourth, 0x31);
    }
}
