using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Span;

/// <summary>
/// One row of C = a B^T for a B stored N x K with K &lt;= 16 (a single example's dZ2 W2^T, with W2 stored H x Dy):
/// C[0, j] = a . B[j, :], a dot product of one vector per row of B. Sixteen rows of B are multiplied by a (a masked
/// load and a multiply each), and the sixteen products are then summed across their lanes together, by a tree of 15
/// additions and 30 shuffles that leaves row j's sum in lane j. The general path first copies B^T, a 16 x 16 transpose
/// of 64 shuffles per sixteen rows, and then runs the row through it.
/// </summary>
/// <remarks>
/// B is read with masked loads as far as each row's K floats, and C is written with masked stores: nothing past any
/// matrix is touched.
/// </remarks>
internal static unsafe class RowDotProducts
{
    private const int Lanes = 16;

    /// <summary>Whether the form serves C = op(A) op(B): a single row of C, op(B) transposed, K &lt;= 16, and A's row contiguous.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Suits(int m, int k, Operand opB, nint depthStep) =>
        m == 1 && opB == Operand.Transposed && k <= Lanes && depthStep == 1 && Avx512F.IsSupported;

    /// <summary>
    /// c[0, j] = epilogue(sum_p a[p] B[j, p]) (+ beta c when the epilogue reads C) for j &lt; <paramref name="n"/>, with
    /// <paramref name="depth"/> &lt;= 16. Shapes are checked by the caller.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    public static void Multiply<TEpilogue>(int depth, float* a, float* b, nint bStride, float* c, int n, float beta, EpilogueArguments epilogue)
        where TEpilogue : struct, ITileEpilogue
    {
        Vector512<float> zero = Vector512<float>.Zero;
        Vector512<float> depthMask = LaneMask.First(depth);
        Vector512<float> row = Avx512F.MaskLoad(a, depthMask, zero);
        for (int j = 0; j < n; j += Lanes)
        {
            float* block = b + (j * bStride);
            int rows = Math.Min(Lanes, n - j);

            // Row j + r of the block times a; the rows are taken in the order 0, 4, 8, 12, 1, 5, ... so that the tree
            // below, which gathers the sum of its input 4t + q into lane 4q + t, leaves row r's sum in lane r.
            Vector512<float> v0 = Product(block, bStride, 0, rows, depthMask, row), v1 = Product(block, bStride, 4, rows, depthMask, row);
            Vector512<float> v2 = Product(block, bStride, 8, rows, depthMask, row), v3 = Product(block, bStride, 12, rows, depthMask, row);
            Vector512<float> v4 = Product(block, bStride, 1, rows, depthMask, row), v5 = Product(block, bStride, 5, rows, depthMask, row);
            Vector512<float> v6 = Product(block, bStride, 9, rows, depthMask, row), v7 = Product(block, bStride, 13, rows, depthMask, row);
            Vector512<float> v8 = Product(block, bStride, 2, rows, depthMask, row), v9 = Product(block, bStride, 6, rows, depthMask, row);
            Vector512<float> v10 = Product(block, bStride, 10, rows, depthMask, row), v11 = Product(block, bStride, 14, rows, depthMask, row);
            Vector512<float> v12 = Product(block, bStride, 3, rows, depthMask, row), v13 = Product(block, bStride, 7, rows, depthMask, row);
            Vector512<float> v14 = Product(block, bStride, 11, rows, depthMask, row), v15 = Product(block, bStride, 15, rows, depthMask, row);

            // Halves: w_k holds eight partial sums of v_2k in its lower half and of v_2k+1 in its upper half.
            Vector512<float> w0 = Halves(v0, v1), w1 = Halves(v2, v3), w2 = Halves(v4, v5), w3 = Halves(v6, v7);
            Vector512<float> w4 = Halves(v8, v9), w5 = Halves(v10, v11), w6 = Halves(v12, v13), w7 = Halves(v14, v15);

            // Quarters: quad q of x_k holds four partial sums of v_4k+q.
            Vector512<float> x0 = Quarters(w0, w1), x1 = Quarters(w2, w3), x2 = Quarters(w4, w5), x3 = Quarters(w6, w7);

            // Pairs, then singles, inside each quad: quad q of y_0 holds two partial sums of v_q and two of v_4+q, and
            // lane 4q + t of the sums the whole of v_4t+q.
            Vector512<float> y0 = Pairs(x0, x1), y1 = Pairs(x2, x3);
            Vector512<float> sums = Avx512F.Shuffle(y0, y1, 0b10_00_10_00) + Avx512F.Shuffle(y0, y1, 0b11_01_11_01);

            Vector512<float> columns = LaneMask.First(rows);
            Vector512<float> bias = TEpilogue.ReadsBias ? Avx512F.MaskLoad(epilogue.Bias + j, columns, zero) : zero;
            if (TEpilogue.ReadsC)
            {
                sums = Vector512.FusedMultiplyAdd(Avx512F.MaskLoad(c + j, columns, zero), Vector512.Create(beta), sums);
            }

            PageSafeStore.Store(c + j, columns, TEpilogue.Apply(sums, bias, epilogue.Sigmoid + j, columns));
        }
    }

    /// <summary>a * B[r, 0..K) for row r of the block, or 0 past its last row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Product(float* block, nint bStride, int r, int rows, Vector512<float> depthMask, Vector512<float> row) =>
        r < rows ? Avx512F.MaskLoad(block + (r * bStride), depthMask, Vector512<float>.Zero) * row : Vector512<float>.Zero;

    /// <summary>(u.q0 + u.q2, u.q1 + u.q3, v.q0 + v.q2, v.q1 + v.q3), q the 128-bit quads.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Halves(Vector512<float> u, Vector512<float> v) =>
        Avx512F.Shuffle4x128(u, v, 0b01_00_01_00) + Avx512F.Shuffle4x128(u, v, 0b11_10_11_10);

    /// <summary>(u.q0 + u.q1, u.q2 + u.q3, v.q0 + v.q1, v.q2 + v.q3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Quarters(Vector512<float> u, Vector512<float> v) =>
        Avx512F.Shuffle4x128(u, v, 0b10_00_10_00) + Avx512F.Shuffle4x128(u, v, 0b11_01_11_01);

    /// <summary>In each quad: (u0 + u2, u1 + u3, v0 + v2, v1 + v3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Pairs(Vector512<float> u, Vector512<float> v) =>
        Avx512F.Shuffle(u, v, 0b01_00_01_00) + Avx512F.Shuffle(u, v, 0b11_10_11_10);
}
