using System.Diagnostics;
using System.Runtime.Intrinsics;
using CommunityToolkit.HighPerformance;

namespace Nn.Span;

/// <summary>
/// The blocked matrix product C = op(A) op(B) + beta C. With AVX-512 the BLIS loop nest: blocks of N (NC), then of K
/// (KC), packing a KC x NC block of op(B); then blocks of M (MC), packing an MC x KC block of op(A); then the
/// micro-tiles down each column strip, each tile's epilogue right after its last K block. With AVX2 the same panels
/// walked along the rows of C, each strip's epilogue right after its last K block (see
/// <see cref="MultiplyAlongRowStrips{T}"/>).
/// </summary>
internal static unsafe class PackedGemm
{
    /// <summary>
    /// C = op(A) op(B) + beta C through packed panels in <paramref name="packing"/>: <paramref name="packingLength"/>
    /// elements, at least <see cref="GemmBlocking.PackingLength{T}"/> for this K and N, 64-byte aligned. Shapes are
    /// checked by the caller.
    /// </summary>
    public static void Multiply<T>(ReadOnlySpan2D<T> a, Operand opA, ReadOnlySpan2D<T> b, Operand opB, Span2D<T> c, T beta, T* packing, long packingLength)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Multiply(a, opA, b, opB, c, beta, packing, packingLength, default);

    /// <summary>
    /// As <see cref="Multiply{T}(ReadOnlySpan2D{T}, Operand, ReadOnlySpan2D{T}, Operand, Span2D{T}, T, T*, long)"/>, then
    /// a float epilogue over each micro-tile of C (AVX-512) or each strip of C (AVX2: one A panel's rows across one B
    /// block) as soon as its last K block is written, while it is in L1.
    /// </summary>
    public static void Multiply<T>(
        ReadOnlySpan2D<T> a, Operand opA, ReadOnlySpan2D<T> b, Operand opB, Span2D<T> c, T beta, T* packing, long packingLength, in EpilogueArguments epilogue)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Multiply(a, opA, b, opB, c, beta, packing, packingLength, epilogue, ReadsTransposedPanelsInPlace, rowPanelsInPlace: true);

    /// <summary>
    /// Whether full panels of A^T are read where they are instead of packed (see
    /// <see cref="Multiply{T}(ReadOnlySpan2D{T}, Operand, ReadOnlySpan2D{T}, Operand, Span2D{T}, T, T*, long, in EpilogueArguments, bool, bool, bool)"/>):
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
    /// set and A's rows spread over the cache sets, and (AVX2 kernel) full panels of six rows of A as stored read in
    /// place when <paramref name="rowPanelsInPlace"/> is set and six rows of A fall on more than one set of L1
    /// (see <see cref="MultiplyAlongRowStrips{T}"/>); otherwise every panel of op(A) is packed. With
    /// <paramref name="lastRowOfOnes"/> (A^T only, C one row taller than A is wide), op(A) is [A 1]^T: C's last row
    /// receives the column sums of op(B) (see <see cref="MatrixProduct.MultiplyTransposedWithColumnSums{T}"/>).
    /// </summary>
    internal static void Multiply<T>(
        ReadOnlySpan2D<T> a, Operand opA, ReadOnlySpan2D<T> b, Operand opB, Span2D<T> c, T beta, T* packing, long packingLength, in EpilogueArguments epilogue,
        bool transposedPanelsInPlace, bool rowPanelsInPlace, bool lastRowOfOnes = false)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Debug.Assert(!lastRowOfOnes || (opA == Operand.Transposed && c.Height == a.Width + 1), "A row of ones follows the rows of A^T.");
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
            if (!GemmBlocking.UsesVector512Kernel && !readATransposedInPlace)
            {
                bool readRowsInPlace = rowPanelsInPlace && opA == Operand.AsIs && PanelRowsSpreadOverL1Sets(aStride * sizeof(T));
                MultiplyAlongRowStrips(aPointer, aStride, opA, bPointer, bStride, opB, cPointer, cStride, m, n, k, beta, packing, packingLength, epilogue, readRowsInPlace, lastRowOfOnes);
                return;
            }

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
                        // full panels of MR need no copy (the kernel steps a row of A per p). The other panels are packed,
                        // and so is the panel that holds a last row of ones, which A does not store.
                        bool onesInBlock = lastRowOfOnes && ic + mc == m;
                        int unpackedRows = readATransposedInPlace ? wideRows - (wideRows % mr) : 0;
                        if (onesInBlock)
                        {
                            unpackedRows = Math.Min(unpackedRows, (mc - 1) / mr * mr);
                        }

                        if (unpackedRows < mc)
                        {
                            GemmPacking.PackA(aPointer, aStride, opA, ic + unpackedRows, mc - unpackedRows, wideRows - unpackedRows, pc, kc, packedA, onesInBlock);
                        }

                        for (int jr = 0; jr < nc; jr += nr)
                        {
                            T* bPanel = packedB + ((nint)jr * kc);
                            int columns = Math.Min(nr, nc - jr);
                            int ir = 0;
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
                                bool lastDepthBlock = pc + kc == k;
                                if (blockBeta != T.Zero || (finish && lastDepthBlock))
                                {
                                    // The kernel reads this tile of C at its end (beta != 0, or a later K block adding to
                                    // what the first wrote), or the epilogue reads it back right after the kernel's stores
                                    // (an edge tile; a full tile's epilogue runs on the accumulators, its lines requested
                                    // all the same), and with the derivative epilogue the sigmoid output under it: their lines, evicted
                                    // since the last pass over C, are requested now and arrive during the kernel's steps.
                                    // Before, the epilogue's first loads waited on memory: in the wide step (512, 1024, 1024,
                                    // 1000), half of the derivative epilogue's time was at its first load. With these
                                    // requests the wide step ran 1.02-1.04x as fast and 512x1024x1024 1.00-1.03x (two builds
                                    // interleaved on an AMD Zen 5 core, both orders); mnist's and 256x784x512's times stayed
                                    // the same. Requests for tiles that are only written (beta = 0, no epilogue) gained
                                    // nothing (1024x512x1000 with A^T).
                                    CacheLine.RequestRows(cTile, cStride, rows, columns);
                                    if (finish && lastDepthBlock && epilogue.Kind == ProductEpilogue.TimesSigmoidDerivative)
                                    {
                                        EpilogueArguments tileEpilogue = epilogue.At(ic + ir, jc + jr);
                                        CacheLine.RequestRows(tileEpilogue.Sigmoid, tileEpilogue.SigmoidStride, rows, columns);
                                    }
                                }

                                // A full tile's epilogue runs on the kernel's accumulators (see GemmMicroKernel.Run); an edge
                                // tile's, on the tile once stored.
                                bool fusedEpilogue = GemmBlocking.UsesVector512Kernel && finish && lastDepthBlock && rows == height && columns == nr;
                                if (fusedEpilogue)
                                {
                                    EpilogueArguments tileEpilogue = epilogue.At(ic + ir, jc + jr);
                                    if (wide)
                                    {
                                        RunWithEpilogue<T, WidePanel>(kc, aPanel, aStep, bPanel, cTile, cStride, blockBeta, tileEpilogue);
                                    }
                                    else
                                    {
                                        RunWithEpilogue<T, NarrowPanel>(kc, aPanel, aStep, bPanel, cTile, cStride, blockBeta, tileEpilogue);
                                    }
                                }
                                else if (GemmBlocking.UsesVector512Kernel)
                                {
                                    if (columns > Vector512<T>.Count)
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
                                        // The last B panel's columns fit in one vector: a tile of half the width.
                                        GemmMicroKernel.Run<T, WidePanel, OneVector>(kc, aPanel, aStep, bPanel, cTile, cStride, blockBeta, rows, columns);
                                    }
                                    else
                                    {
                                        GemmMicroKernel.Run<T, NarrowPanel, OneVector>(kc, aPanel, aStep, bPanel, cTile, cStride, blockBeta, rows, columns);
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

                                if (finish && lastDepthBlock && !fusedEpilogue)
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

    /// <summary>A full tile of the AVX-512 kernel with the epilogue applied to its accumulators, by its kind.</summary>
    private static void RunWithEpilogue<T, TPanel>(int depth, T* aPanel, nint aStep, T* bPanel, T* cTile, nint cStride, T beta, EpilogueArguments epilogue)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TPanel : struct, IPanelHeight
    {
        int columns = GemmBlocking.TileColumns<T>();
        switch (epilogue.Kind)
        {
            case ProductEpilogue.AddBias:
                GemmMicroKernel.Run<T, TPanel, TwoVectors, AddBiasEpilogue>(depth, aPanel, aStep, bPanel, cTile, cStride, beta, TPanel.Rows, columns, epilogue);
                break;
            case ProductEpilogue.AddBiasThenSigmoid:
                GemmMicroKernel.Run<T, TPanel, TwoVectors, BiasSigmoidEpilogue>(depth, aPanel, aStep, bPanel, cTile, cStride, beta, TPanel.Rows, columns, epilogue);
                break;
            default:
                Debug.Assert(epilogue.Kind == ProductEpilogue.TimesSigmoidDerivative, "A product with an epilogue.");
                GemmMicroKernel.Run<T, TPanel, TwoVectors, SigmoidSlopeEpilogue>(depth, aPanel, aStep, bPanel, cTile, cStride, beta, TPanel.Rows, columns, epilogue);
                break;
        }
    }

    /// <summary>
    /// The product for the AVX2 kernel (6 x 16 float tiles, 6 x 8 double), walked along the rows of C: blocks of K (KC);
    /// in each, as many rows of op(A) packed at once as <paramref name="packingLength"/> holds beside one B block (with
    /// a <see cref="GemmWorkspace{T}"/>, some 2000 rows at KC = 512; never fewer than 120); then blocks of N small enough
    /// to stay in L2
    /// (<see cref="GemmBlocking.RowStripBlockBytes"/>), each packed once, and every A panel against all of its B panels
    /// in one call (<see cref="GemmMicroKernel256.RunRow{T, TPanel}"/>): the A panel stays in L1, the B block is read
    /// in order from L2, and C is written along its rows.
    /// </summary>
    /// <remarks>
    /// Against the BLIS order (one 32 KiB B panel down its column strip of C against an L2-resident block of 120 rows of
    /// A), on an AMD Zen 3 core, interleaved in one process under the host's varying outside load, this order ran
    /// 256x784x512 1.02-1.04x as fast, 512x1024x1024 1.03x, 512x1000x1024 with B^T 1.08x, 1024x512x1024 with A^T 1.02x,
    /// 784x256x512 with A^T 0.98-1.06x; the mnist step 1.06x, wide 1.05x. Shallow products (K of 10 or 32), which took
    /// their tiles along the rows already (with all of N in one B block), ran 1.00-1.04x.
    /// With a float <paramref name="epilogue"/>, it runs over each strip right after its last K block
    /// (<see cref="EpilogueKernel256"/>), where the network had run it as passes over every row of C after the product:
    /// the digits step ran 1.015-1.019x as fast, mnist 0.995x and wide 0.990x (noise: the sigmoid's arithmetic, not the
    /// passes over memory, is its cost), interleaved in one process on an AMD Zen 3 core.
    /// With <paramref name="rowsInPlace"/> (A as stored), the full panels of six rows are not packed: the kernel
    /// broadcasts each step's six elements from A's rows where they are (<see cref="GemmMicroKernel256.RunRowOfRows{T}"/>),
    /// and only the rows past the last full panel are packed. A panel's rows are read along, so each cache line of A
    /// serves sixteen steps, and the six lines in use stay in L1 across the strip's tiles as the packed panel did; the
    /// copy of A and the second pass over it are saved. On an AMD Zen 3 core, alternating in one process: 64x10x128 with
    /// B^T 1.16x as fast, 256x10x512 with B^T 1.06x, 128x64x256 1.05x, 256x784x512 1.02-1.03x, 1000x784x512 1.055x;
    /// interleaved two builds: the digits step 1.014x, mnist 1.028x, wide (whose A operands have rows 4 KiB apart, or
    /// 4000 bytes for dZ2) 0.995x.
    /// </remarks>
    private static void MultiplyAlongRowStrips<T>(
        T* a, nint aStride, Operand opA, T* b, nint bStride, Operand opB, T* c, nint cStride, int m, int n, int k, T beta, T* packing, long packingLength,
        in EpilogueArguments epilogue, bool rowsInPlace, bool lastRowOfOnes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        bool finish = typeof(T) == typeof(float) && epilogue.Kind != ProductEpilogue.None;
        int mr = GemmBlocking.TileRows;
        int narrow = GemmBlocking.NarrowTileRows;
        int nr = GemmBlocking.TileColumns<T>();
        int kcMax = Math.Min(GemmBlocking.DepthBlock, k);

        // NC': the B block's columns, at most what the buffer was sized for (PackingLength), and never less than a panel.
        int blockColumns = GemmBlocking.RowStripBlockBytes / (kcMax * sizeof(T)) / nr * nr;
        int ncMax = Math.Min(GemmBlocking.BufferedColumns<T>(n), Math.Max(nr, blockColumns));

        // MC': the rest of the buffer, in whole panels of MR rows. PackingLength leaves at least RowBlock (120) rows.
        long rowsThatFit = (packingLength / kcMax) - ncMax;
        int mcMax = (int)Math.Min(m, rowsThatFit / mr * mr);
        Debug.Assert(mcMax >= Math.Min(m, GemmBlocking.RowBlock), "The buffer holds at least PackingLength elements.");
        T* packedB = packing;
        T* packedA = packing + ((nint)kcMax * ncMax);

        for (int pc = 0; pc < k; pc += kcMax)
        {
            int kc = Math.Min(kcMax, k - pc);

            // The first K block applies beta; later blocks add to what the first wrote.
            T blockBeta = pc == 0 ? beta : T.One;
            for (int ic = 0; ic < m; ic += mcMax)
            {
                int mc = Math.Min(mcMax, m - ic);
                int wideRows = GemmBlocking.WidePanelRows(mc);
                int inPlaceRows = rowsInPlace ? wideRows - (wideRows % mr) : 0;
                if (inPlaceRows < mc)
                {
                    GemmPacking.PackA(a, aStride, opA, ic + inPlaceRows, mc - inPlaceRows, wideRows - inPlaceRows, pc, kc, packedA, lastRowOfOnes && ic + mc == m);
                }

                for (int jc = 0; jc < n; jc += ncMax)
                {
                    int nc = Math.Min(ncMax, n - jc);
                    GemmPacking.PackB(b, bStride, opB, pc, kc, jc, nc, packedB);
                    T* cBlock = c + (ic * cStride) + jc;

                    // Each panel of A (MR rows, then the narrow ones) along its strip of C.
                    for (int ir = 0; ir < mc;)
                    {
                        bool wide = ir < wideRows;
                        int height = wide ? mr : narrow;
                        int rows = Math.Min(height, mc - ir);
                        T* aPanel = packedA + ((nint)(ir - inPlaceRows) * kc);
                        T* cStrip = cBlock + (ir * cStride);
                        if (ir < inPlaceRows)
                        {
                            RunStripOfRows(kc, a + ((ic + ir) * aStride) + pc, aStride, packedB, nc, cStrip, cStride, blockBeta);
                        }
                        else if (wide)
                        {
                            RunStrip<T, WidePanel>(kc, aPanel, packedB, nc, cStrip, cStride, blockBeta, rows);
                        }
                        else
                        {
                            RunStrip<T, NarrowPanel>(kc, aPanel, packedB, nc, cStrip, cStride, blockBeta, rows);
                        }

                        if (finish && pc + kc == k)
                        {
                            // The strip's last K block is stored and still in L1: the epilogue over it now.
                            EpilogueKernel256.FinishStrip((float*)cStrip, cStride, rows, nc, epilogue.At(ic + ir, jc));
                        }

                        ir += height;
                    }
                }
            }
        }
    }

    /// <summary>
    /// One A panel of <typeparamref name="TPanel"/> rows (<paramref name="rows"/> of them valid) along its strip of C,
    /// against the <paramref name="columns"/> columns of a packed B block: a full panel's full tiles in one call, then
    /// the last columns, and every tile of a partial panel, one at a time through a stack tile.
    /// </summary>
    private static void RunStrip<T, TPanel>(int depth, T* aPanel, T* packedB, int columns, T* cStrip, nint cStride, T beta, int rows)
        where T : unmanaged, IFloatingPointIeee754<T>
        where TPanel : struct, IPanelHeight
    {
        int nr = GemmBlocking.TileColumns<T>();
        int jr = 0;
        if (rows == TPanel.Rows)
        {
            int fullColumnPanels = columns / nr;
            GemmMicroKernel256.RunRow<T, TPanel>(depth, aPanel, packedB, (nint)nr * depth, fullColumnPanels, cStrip, cStride, beta);
            jr = fullColumnPanels * nr;
        }

        for (; jr < columns; jr += nr)
        {
            GemmMicroKernel256.Run<T, TPanel>(depth, aPanel, TPanel.Rows, packedB + ((nint)jr * depth), cStrip + jr, cStride, beta, rows, Math.Min(nr, columns - jr));
        }
    }

    /// <summary>
    /// One panel of six rows of A read in place (<paramref name="aRows"/>, rows <paramref name="aStride"/> elements
    /// apart, at the K block's first column) along its strip of C: the full tiles in one call, then the last columns
    /// through a stack tile.
    /// </summary>
    private static void RunStripOfRows<T>(int depth, T* aRows, nint aStride, T* packedB, int columns, T* cStrip, nint cStride, T beta)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        int nr = GemmBlocking.TileColumns<T>();
        int fullColumnPanels = columns / nr;
        GemmMicroKernel256.RunRowOfRows(depth, aRows, aStride, packedB, (nint)nr * depth, fullColumnPanels, cStrip, cStride, beta);
        for (int jr = fullColumnPanels * nr; jr < columns; jr += nr)
        {
            GemmMicroKernel256.Run<T, WidePanel>(depth, aRows, 1, aStride, packedB + ((nint)jr * depth), cStrip + jr, cStride, beta, GemmBlocking.TileRows, Math.Min(nr, columns - jr));
        }
    }

    /// <summary>
    /// Whether six rows <paramref name="rowBytes"/> apart fall on more than one set of L1 (64 sets of 64-byte lines: a
    /// period of 4 KiB). Rows a multiple of 4 KiB apart put a panel's six lines in use into one set, beside the B and C
    /// lines that pass through it: 512x1024x1024 ran 0.94x as fast with its rows read in place (AMD Zen 3). Rows 1 or 2
    /// KiB apart (2 or 3 lines a set) ran 1.08x and 1.02x as fast (128x256x128, 256x512x512).
    /// </summary>
    private static bool PanelRowsSpreadOverL1Sets(nint rowBytes) => rowBytes % 4096 != 0;

    /// <summary>
    /// Whether rows <paramref name="rowBytes"/> apart spread over the sets of L2 (1024 sets of 64-byte lines: a period of
    /// 64 KiB) and L1 (64 sets: 4 KiB). The rows of an A block read in place then stay cached while every B panel passes.
    /// Rows a multiple of 512 bytes apart (e.g. 1024 or 512 floats) fall on at most 128 set positions: an A block of 512
    /// rows no longer fits, and 1024 x 512 x 1024 with A^T read in place ran at half speed. Such rows are packed instead.
    /// </summary>
    private static bool RowsSpreadOverCacheSets(nint rowBytes) => rowBytes % 512 != 0;
}
