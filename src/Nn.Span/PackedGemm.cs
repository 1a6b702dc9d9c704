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
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Multiply(a, opA, b, opB, c, beta, packing, epilogue, ReadsTransposedPanelsInPlace);

    /// <summary>
    /// Whether full panels of A^T are read where they are instead of packed (see
    /// <see cref="Multiply{T}(ReadOnlySpan2D{T}, Operand, ReadOnlySpan2D{T}, Operand, Span2D{T}, T, T*, in EpilogueArguments, bool)"/>):
    /// on AMD Zen cores that saved its copy (784x256x512 with A^T: 829-844 us packed, 787-803 us in place); on Intel
    /// Xeon cores (Sapphire Rapids class) it cost 10-35% instead (784x256x512: 102 against 75 GFLOP/s, 1000x512x1024:
    /// 91 against 74, medians of alternating runs), as each step of the kernel then starts a new cache line, most often
    /// on a new page, which Intel's L1 stride prefetcher does not follow.
    /// </summary>
    /// <remarks>
    /// Only with the AVX-512 kernel: the AVX2 kernel's panels are 6 rows wide, so each step read in place takes 24 bytes
    /// of a new cache line, and on an AMD Zen 3 core 784x256x512 with A^T ran 1.06-1.11x faster with its panels packed
    /// (interleaved in one process).
    /// </remarks>
    internal static readonly bool ReadsTransposedPanelsInPlace = ProcessorVendor.IsAmd && GemmBlocking.UsesVector512Kernel;

    /// <summary>
    /// The blocked product, with full panels of A^T read in place when <paramref name="transposedPanelsInPlace"/> is
    /// set and A's rows spread over the cache sets; otherwise every panel of op(A) is packed.
    /// </summary>
    internal static void Multiply<T>(
        ReadOnlySpan2D<T> a, Operand opA, ReadOnlySpan2D<T> b, Operand opB, Span2D<T> c, T beta, T* packing, in EpilogueArguments epilogue, bool transposedPanelsInPlace)
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
        bool readATransposedInPlace = transposedPanelsInPlace && opA == Operand.Transposed && RowsSpreadOverCacheSets(aStride * sizeof(T));

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

                        // Panels of MR rows, then narrower ones for the rows that do not fill one of MR (see GemmBlocking.WidePanelRows).
                        int wideRows = GemmBlocking.WidePanelRows(mc);

                        // Rows of op(A) = A^T read in place: row p of a panel is MR consecutive elements of row p of A, so
                        // full panels of MR need no copy (the kernel steps a row of A per p). The other panels are packed.
                        int unpackedRows = readATransposedInPlace ? wideRows - (wideRows % mr) : 0;
                        if (unpackedRows < mc)
                        {
                            GemmPacking.PackA(aPointer, aStride, opA, ic + unpackedRows, mc - unpackedRows, wideRows - unpackedRows, pc, kc, packedA);
                        }

                        // The AVX2 kernel takes the full tiles (MR rows, or the narrow panels' rows, and NR columns) without a call
                        // per tile: row by row for a shallow block (see GemmBlocking.RowOrderDepth), else down each column strip
                        // below. A partial panel, the last of the block, goes tile by tile.
                        int narrow = GemmBlocking.NarrowTileRows;
                        int fullWide = wideRows / mr;
                        int fullNarrow = wideRows % mr == 0 ? (mc - wideRows) / narrow : 0;
                        int fullRows = wideRows % mr == 0 ? wideRows + (fullNarrow * narrow) : fullWide * mr;
                        T* narrowPanels = packedA + ((nint)wideRows * kc);
                        T* cBlock = cPointer + (ic * cStride) + jc;
                        bool tilesInOneCall = !GemmBlocking.UsesVector512Kernel && !finish && unpackedRows == 0;
                        bool rowOrder = tilesInOneCall && kc <= GemmBlocking.RowOrderDepth;
                        if (rowOrder)
                        {
                            for (int t = 0; t < fullWide; t++)
                            {
                                GemmMicroKernel256.RunRow<T, WidePanel>(kc, packedA + ((nint)t * mr * kc), packedB, (nint)nr * kc, nc / nr, cBlock + (t * mr * cStride), cStride, blockBeta);
                            }

                            for (int t = 0; t < fullNarrow; t++)
                            {
                                GemmMicroKernel256.RunRow<T, NarrowPanel>(
                                    kc, narrowPanels + ((nint)t * narrow * kc), packedB, (nint)nr * kc, nc / nr, cBlock + ((wideRows + (t * narrow)) * cStride), cStride, blockBeta);
                            }
                        }

                        for (int jr = 0; jr < nc; jr += nr)
                        {
                            T* bPanel = packedB + ((nint)jr * kc);
                            int columns = Math.Min(nr, nc - jr);
                            int ir = 0;
                            if (tilesInOneCall && columns == nr)
                            {
                                if (!rowOrder)
                                {
                                    GemmMicroKernel256.RunColumn<T, WidePanel>(kc, packedA, (nint)mr * kc, fullWide, bPanel, cBlock + jr, cStride, blockBeta);
                                    GemmMicroKernel256.RunColumn<T, NarrowPanel>(kc, narrowPanels, (nint)narrow * kc, fullNarrow, bPanel, cBlock + (wideRows * cStride) + jr, cStride, blockBeta);
                                }

                                ir = fullRows;
                            }

                            while (ir < mc)
                            {
                                T* cTile = cPointer + ((ic + ir) * cStride) + jc + jr;
                                bool wide = ir < wideRows;
                                int height = wide ? mr : GemmBlocking.NarrowTileRows;
                                int rows = Math.Min(height, mc - ir);

                                // A^T panel in place: element (ic + ir + r, pc + p) at A[pc + p, ic + ir + r]; else the packed panel.
                                bool inPlace = ir < unpackedRows;
                                T* aPanel = inPlace ? aPointer + (pc * aStride) + ic + ir : packedA + ((nint)(ir - unpackedRows) * kc);
                                nint aStep = inPlace ? aStride : height;
                                if (GemmBlocking.UsesVector512Kernel)
                                {
                                    if (wide)
                                    {
                                        GemmMicroKernel.Run<T, WidePanel>(kc, aPanel, aStep, bPanel, cTile, cStride, blockBeta, rows, columns);
                                    }
                                    else
                                    {
                                        GemmMicroKernel.Run<T, NarrowPanel>(kc, aPanel, aStep, bPanel, cTile, cStride, blockBeta, rows, columns);
                                    }
                                }
                                else if (wide)
                                {
                                    GemmMicroKernel256.Run<T, WidePanel>(kc, aPanel, aStep, bPanel, cTile, cStride, blockBeta, rows, columns);
                                }
                                else
                                {
                                    GemmMicroKernel256.Run<T, NarrowPanel>(kc, aPanel, aStep, bPanel, cTile, cStride, blockBeta, rows, columns);
                                }

                                if (finish && pc + kc == k)
                                {
                                    // The epilogue takes at most eight rows at a time.
                                    for (int r = 0; r < rows; r += EpilogueKernel.TileRows)
                                    {
                                        EpilogueKernel.FinishTile(
                                            (float*)(cTile + (r * cStride)), cStride, Math.Min(EpilogueKernel.TileRows, rows - r), columns, epilogue.At(ic + ir + r, jc + jr));
                                    }
                                }

                                ir += height;
                            }
                        }
                    }
                }
            }
        }
    }

    /// <summary>
    /// Whether rows <paramref name="rowBytes"/> apart spread over the sets of L2 (1024 sets of 64-byte lines: a period of
    /// 64 KiB) and L1 (64 sets: 4 KiB). The rows of an A block read in place then stay cached while every B panel passes.
    /// Rows a multiple of 512 bytes apart (e.g. 1024 or 512 floats) fall on at most 128 set positions: an A block of 512
    /// rows no longer fits, and 1024 x 512 x 1024 with A^T read in place ran at half speed. Such rows are packed instead.
    /// </summary>
    private static bool RowsSpreadOverCacheSets(nint rowBytes) => rowBytes % 512 != 0;
}
