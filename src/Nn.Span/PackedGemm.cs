using CommunityToolkit.HighPerformance;

namespace Nn.Span;

/// <summary>
/// The blocked matrix product C = op(A) op(B) + beta C (the BLIS loop nest): blocks of N (NC), then of K (KC),
/// packing a KC x NC block of op(B); then blocks of M (MC), packing an MC x KC block of op(A); then the micro-tiles.
/// </summary>
internal static unsafe class PackedGemm
{
    /// <summary>
    /// C = op(A) op(B) + beta C through packed panels in <paramref name="packing"/> (at least
    /// <see cref="GemmBlocking.PackingLength{T}"/> elements, 64-byte aligned). Shapes are checked by the caller.
    /// </summary>
    public static void Multiply<T>(ReadOnlySpan2D<T> a, Operand opA, ReadOnlySpan2D<T> b, Operand opB, Span2D<T> c, T beta, T* packing)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Multiply(a, opA, b, opB, c, beta, packing, default);

    /// <summary>
    /// As <see cref="Multiply{T}(ReadOnlySpan2D{T}, Operand, ReadOnlySpan2D{T}, Operand, Span2D{T}, T, T*)"/>, then a
    /// float epilogue over each micro-tile of C as soon as its last K block is written (while it is in L1).
    /// </summary>
    public static void Multiply<T>(ReadOnlySpan2D<T> a, Operand opA, ReadOnlySpan2D<T> b, Operand opB, Span2D<T> c, T beta, T* packing, in EpilogueArguments epilogue)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool finish = typeof(T) == typeof(float) && epilogue.Kind != ProductEpilogue.None;
        int m = c.Height;
        int n = c.Width;
        int k = opA == Operand.AsIs ? a.Width : a.Height;
        nint aStride = MatrixMemory.RowStride(a);
        nint bStride = MatrixMemory.RowStride(b);
        nint cStride = MatrixMemory.RowStride((ReadOnlySpan2D<T>)c);
        int mr = GemmBlocking.TileRows;
        int nr = GemmBlocking.TileColumns<T>();
        int kcMax = Math.Min(GemmBlocking.DepthBlock, k);
        T* packedA = packing;
        T* packedB = packing + ((nint)kcMax * GemmBlocking.RowBlock);

        fixed (T* aPointer = &a.DangerousGetReference())
        fixed (T* bPointer = &b.DangerousGetReference())
        fixed (T* cPointer = &c.DangerousGetReference())
        {
            for (int jc = 0; jc < n; jc += GemmBlocking.ColumnBlock)
            {
                int nc = Math.Min(GemmBlocking.ColumnBlock, n - jc);
                for (int pc = 0; pc < k; pc += GemmBlocking.DepthBlock)
                {
                    int kc = Math.Min(GemmBlocking.DepthBlock, k - pc);
                    GemmPacking.PackB(bPointer, bStride, opB, pc, kc, jc, nc, packedB);

                    // The first K block applies beta; later blocks add to what the first wrote.
                    T blockBeta = pc == 0 ? beta : T.One;
                    for (int ic = 0; ic < m; ic += GemmBlocking.RowBlock)
                    {
                        int mc = Math.Min(GemmBlocking.RowBlock, m - ic);
                        GemmPacking.PackA(aPointer, aStride, opA, ic, mc, pc, kc, packedA);
                        for (int jr = 0; jr < nc; jr += nr)
                        {
                            T* bPanel = packedB + ((nint)jr * kc);
                            int columns = Math.Min(nr, nc - jr);
                            for (int ir = 0; ir < mc; ir += mr)
                            {
                                T* cTile = cPointer + ((ic + ir) * cStride) + jc + jr;
                                int rows = Math.Min(mr, mc - ir);
                                GemmMicroKernel.Run(kc, packedA + ((nint)ir * kc), bPanel, cTile, cStride, blockBeta, rows, columns);
                                if (finish && pc + kc == k)
                                {
                                    EpilogueKernel.FinishTile((float*)cTile, cStride, rows, columns, epilogue.At(ic + ir, jc + jr));
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
