using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Nn.Span;

/// <summary>
/// The register-blocked inner kernel: an 8 x (2 vectors) tile of C accumulated in 16 Vector512 registers over an A
/// panel (8 rows: packed, or A^T read in place) and a packed B panel (2 vectors of columns).
/// </summary>
internal static unsafe class GemmMicroKernel
{
    /// <summary>
    /// C[0..rows, 0..columns] = beta C + sum_p a[p][i] b[p][j] over depth p, for a tile of at most 8 rows and
    /// 2 vectors of columns. beta = 0 never reads C. Step p of the A panel is at a + p * aStep: its 8 elements are
    /// consecutive, and consecutive steps are <paramref name="aStep"/> elements apart (MR for a packed panel, A's row
    /// stride for a panel of A^T read in place).
    /// </summary>
    [SkipLocalsInit]
    public static void Run<T>(int depth, T* a, nint aStep, T* b, T* c, nint rowStride, T beta, int rows, int columns)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = Vector512<T>.Count;
        Vector512<T> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<T> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<T> c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<T> c60 = default, c61 = default, c70 = default, c71 = default;

        // c_ij += a_pi b_pj: one row of B (two vectors) against eight broadcast elements of A per step.
        for (int p = 0; p < depth; p++)
        {
            Vector512<T> b0 = Vector512.Load(b);
            Vector512<T> b1 = Vector512.Load(b + width);
            Vector512<T> ai = Vector512.Create(a[0]);
            c00 = VectorMath.FusedMultiplyAdd(ai, b0, c00);
            c01 = VectorMath.FusedMultiplyAdd(ai, b1, c01);
            ai = Vector512.Create(a[1]);
            c10 = VectorMath.FusedMultiplyAdd(ai, b0, c10);
            c11 = VectorMath.FusedMultiplyAdd(ai, b1, c11);
            ai = Vector512.Create(a[2]);
            c20 = VectorMath.FusedMultiplyAdd(ai, b0, c20);
            c21 = VectorMath.FusedMultiplyAdd(ai, b1, c21);
            ai = Vector512.Create(a[3]);
            c30 = VectorMath.FusedMultiplyAdd(ai, b0, c30);
            c31 = VectorMath.FusedMultiplyAdd(ai, b1, c31);
            ai = Vector512.Create(a[4]);
            c40 = VectorMath.FusedMultiplyAdd(ai, b0, c40);
            c41 = VectorMath.FusedMultiplyAdd(ai, b1, c41);
            ai = Vector512.Create(a[5]);
            c50 = VectorMath.FusedMultiplyAdd(ai, b0, c50);
            c51 = VectorMath.FusedMultiplyAdd(ai, b1, c51);
            ai = Vector512.Create(a[6]);
            c60 = VectorMath.FusedMultiplyAdd(ai, b0, c60);
            c61 = VectorMath.FusedMultiplyAdd(ai, b1, c61);
            ai = Vector512.Create(a[7]);
            c70 = VectorMath.FusedMultiplyAdd(ai, b0, c70);
            c71 = VectorMath.FusedMultiplyAdd(ai, b1, c71);
            a += aStep;
            b += 2 * width;
        }

        if (rows == GemmBlocking.TileRows && columns == 2 * width)
        {
            StoreRow(c, c00, c01, beta);
            StoreRow(c + rowStride, c10, c11, beta);
            StoreRow(c + (2 * rowStride), c20, c21, beta);
            StoreRow(c + (3 * rowStride), c30, c31, beta);
            StoreRow(c + (4 * rowStride), c40, c41, beta);
            StoreRow(c + (5 * rowStride), c50, c51, beta);
            StoreRow(c + (6 * rowStride), c60, c61, beta);
            StoreRow(c + (7 * rowStride), c70, c71, beta);
            return;
        }

        // An edge tile: spill the accumulators to a stack tile, then update only the valid part of C.
        int tileWidth = 2 * width;
        T* tile = stackalloc T[GemmBlocking.TileRows * 2 * Vector512<T>.Count];
        c00.Store(tile); c01.Store(tile + width);
        c10.Store(tile + tileWidth); c11.Store(tile + tileWidth + width);
        c20.Store(tile + (2 * tileWidth)); c21.Store(tile + (2 * tileWidth) + width);
        c30.Store(tile + (3 * tileWidth)); c31.Store(tile + (3 * tileWidth) + width);
        c40.Store(tile + (4 * tileWidth)); c41.Store(tile + (4 * tileWidth) + width);
        c50.Store(tile + (5 * tileWidth)); c51.Store(tile + (5 * tileWidth) + width);
        c60.Store(tile + (6 * tileWidth)); c61.Store(tile + (6 * tileWidth) + width);
        c70.Store(tile + (7 * tileWidth)); c71.Store(tile + (7 * tileWidth) + width);
        bool readC = beta != T.Zero;
        for (int i = 0; i < rows; i++)
        {
            T* cRow = c + (i * rowStride);
            T* tileRow = tile + (i * tileWidth);
            for (int j = 0; j < columns; j++)
            {
                cRow[j] = readC ? tileRow[j] + (beta * cRow[j]) : tileRow[j];
            }
        }
    }

    /// <summary>C row = acc (beta = 0), acc + C (beta = 1), or acc + beta C.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<T>(T* c, Vector512<T> left, Vector512<T> right, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int width = Vector512<T>.Count;
        if (beta == T.Zero)
        {
            Vector512.Store(left, c);
            Vector512.Store(right, c + width);
        }
        else if (beta == T.One)
        {
            Vector512.Store(left + Vector512.Load(c), c);
            Vector512.Store(right + Vector512.Load(c + width), c + width);
        }
        else
        {
            Vector512<T> scale = Vector512.Create(beta);
            Vector512.Store(VectorMath.FusedMultiplyAdd(Vector512.Load(c), scale, left), c);
            Vector512.Store(VectorMath.FusedMultiplyAdd(Vector512.Load(c + width), scale, right), c + width);
        }
    }
}
