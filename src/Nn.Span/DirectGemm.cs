using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Nn.Span;

/// <summary>
/// The float product without packing A, for small and thin products (the seed, online and digits workloads, and
/// every product with 10 classes), where packing costs more than it saves. Tiles of 12 or 8 rows x 32 columns of C (in
/// 24 or 16 Vector512 registers), or, when C has at most 16 columns, bands of 8 to 24 rows of one vector each (a
/// Vector256 for at most 8 columns, see <see cref="BandVector"/>), are accumulated in registers; A is read where it is
/// (either layout), B row by row with masked loads, and C is written with masked stores, so a tile never touches
/// memory past the matrices. A plain product of 9 to 24 rows and at most 8 columns, shallow, runs
/// <see cref="DepthPairGemm"/>.
/// </summary>
/// <remarks>
/// The tile kernels are compiled fully optimised at once and never inlined: inlined by a caller recompiled with
/// profile data, they ran two to four times slower (256x32x512 took 75-160 us instead of 38, depending on which
/// products had run before).
/// </remarks>
internal static unsafe class DirectGemm
{
    private const int TileRows = 8;
    private const int WideTileRows = 12;

    /// <summary>
    /// The least depth at which full tiles take bands of 12 rows: on an Intel Xeon (Sapphire Rapids class), 12-row bands
    /// ran 64 x K x 128 products 1.03-1.07x faster for K = 64 and 128, but 0.90x for K = 10. On an AMD Zen 4 core,
    /// 12-row bands for K = 10 ran 256 x 10 x 512 with B^T at the same speed as 8-row ones (0.99-1.00x).
    /// </summary>
    private const int WideBandLeastDepth = 32;
    private const int QuarterRows = 4;
    private const int BandRows = 16;
    private const int Lanes = 16;

    /// <summary>Whether the direct form runs on this machine.</summary>
    public static bool IsSupported => Avx512F.IsSupported;

    /// <summary>
    /// Whether a product of this shape is better served by the direct form: few columns (one or two vectors), few rows,
    /// few multiply-adds in all, a shallow product (K &lt;= 16: a packed micro-tile would do at most 16 steps per call,
    /// and its call and set-up cost more than the steps), or a right operand of at most 256 KiB (it then stays in L2
    /// while every 8-row band of A passes over it, and packing would cost more than it saves) with enough depth per
    /// tile to amortise the tile's stores.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Suits(int m, int n, int k) =>
        n <= 2 * Lanes || m <= TileRows || k <= 16 || (long)m * n * k <= 64L * 64 * 64 || (k >= 32 && (long)k * n <= 64 * 1024);

    /// <summary>
    /// Whether a float product of M, N, K &gt;= 1 runs in the direct form here: the form is supported and suits the shape,
    /// and when op(B) is transposed, <paramref name="scratchLength"/> floats hold its K x N copy.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Takes(int m, int n, int k, Operand opB, long scratchLength) =>
        IsSupported && m > 0 && n > 0 && k > 0 && Suits(m, n, k) && (opB == Operand.AsIs || scratchLength >= (long)k * n);

    /// <summary>
    /// C = op(A) op(B) + beta C for float. When op(B) is transposed it is first copied, K x N row-major, into
    /// <paramref name="scratch"/> (which then needs K N elements). Shapes are checked by the caller.
    /// </summary>
    // A plain product of 9 to 24 rows and at most 8 columns, shallow and with A and B as stored (the seed's X W1,
    // 20 x 10 x 5), goes at once to the kernel that takes two steps of depth per vector (DepthPairGemm). Through the
    // general dispatch, three more calls of a dozen arguments each, it took about 6% longer (informal loop of the public
    // call: 67 against 63 ns). Against one pass of a band of 256-bit rows (OnePass), the public call ran 20 x 10 x 5
    // 1.44x as fast (41 against 60 ns), 24 x 33 x 8 1.45x and 9 x 7 x 3 1.10x (AMD Zen 5, two builds interleaved).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Multiply(float* a, nint aStride, Operand opA, float* b, nint bStride, Operand opB, float* c, nint cStride, int m, int n, int k, float beta, float* scratch)
    {
        if (TakesDepthPair(m, n, k, opA, opB, beta, aStride))
        {
            DepthPairGemm.Multiply(a, aStride, b, bStride, c, cStride, m, n, k);
            return;
        }

        Multiply(a, aStride, opA, b, bStride, opB, c, cStride, m, n, k, beta, scratch, default);
    }

    /// <summary>
    /// Whether a plain float product goes to the kernel that takes two steps of depth per vector
    /// (<see cref="DepthPairGemm"/>): 9 to 24 rows of at most 8 columns, shallow (K &lt; 64), A and B as stored, beta = 0,
    /// and rows of A that spread over the L1 sets.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TakesDepthPair(int m, int n, int k, Operand opA, Operand opB, float beta, nint aStride) =>
        beta == 0f && DepthPairGemm.Suits(m, n) && k > 0 && k < DeepNarrowGemm.LeastDepth &&
        opA == Operand.AsIs && opB == Operand.AsIs && BandRowsSpreadOverCacheSets(aStride);

    /// <summary>
    /// C = epilogue(op(A) op(B)) for float, or op(A) op(B) + beta C without an epilogue: the epilogue (see
    /// <see cref="ProductEpilogue"/>) is applied to each row of a tile in registers, before the row is stored; the tile
    /// kernel is compiled once per kind of epilogue. With an epilogue, beta must be 0.
    /// </summary>
    // Not inlined: inlined into a caller with several products, its kernels' set-up filled the caller's frame, which the
    // caller zeroes on every call.
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static void Multiply(float* a, nint aStride, Operand opA, float* b, nint bStride, Operand opB, float* c, nint cStride, int m, int n, int k, float beta, float* scratch, in EpilogueArguments epilogue)
    {
        Debug.Assert(beta == 0f || epilogue.Kind == ProductEpilogue.None, "An epilogue product overwrites C.");
        if (epilogue.Kind == ProductEpilogue.None && TransposedNarrowGemm.Suits(opA, m, n, k))
        {
            TransposedNarrowGemm.Multiply(a, aStride, b, bStride, opB, c, cStride, m, n, k, beta);
            return;
        }

        if (epilogue.Kind is ProductEpilogue.None or ProductEpilogue.AddBias && DeepNarrowGemm.Suits(opA, m, n, k))
        {
            DeepNarrowGemm.Multiply(a, aStride, b, bStride, opB, c, cStride, m, n, k, beta, epilogue.Kind == ProductEpilogue.AddBias ? epilogue.Bias : null);
            return;
        }

        switch (epilogue.Kind)
        {
            case ProductEpilogue.AddBias:
                Multiply<AddBiasEpilogue>(a, aStride, opA, b, bStride, opB, c, cStride, m, n, k, beta, scratch, epilogue);
                break;
            case ProductEpilogue.AddBiasThenSigmoid:
                Multiply<BiasSigmoidEpilogue>(a, aStride, opA, b, bStride, opB, c, cStride, m, n, k, beta, scratch, epilogue);
                break;
            case ProductEpilogue.TimesSigmoidDerivative:
                Multiply<SigmoidSlopeEpilogue>(a, aStride, opA, b, bStride, opB, c, cStride, m, n, k, beta, scratch, epilogue);
                break;
            default:
                // beta C is read only by the plain product's own epilogue type, so that a beta of 0 costs no test per row.
                if (beta != 0f)
                {
                    Multiply<ScaledCEpilogue>(a, aStride, opA, b, bStride, opB, c, cStride, m, n, k, beta, scratch, epilogue);
                }
                else
                {
                    Multiply<NoEpilogue>(a, aStride, opA, b, bStride, opB, c, cStride, m, n, k, beta, scratch, epilogue);
                }

                break;
        }
    }

    private static void Multiply<TEpilogue>(float* a, nint aStride, Operand opA, float* b, nint bStride, Operand opB, float* c, nint cStride, int m, int n, int k, float beta, float* scratch, in EpilogueArguments epilogue)
        where TEpilogue : struct, ITileEpilogue
    {
        if (RowDotProducts.Suits(m, k, opB, opA == Operand.AsIs ? 1 : aStride))
        {
            // A single row times a transposed, shallow B (a single example's dZ2 W2^T): dot products, no copy of B^T.
            RowDotProducts.Multiply<TEpilogue>(k, a, b, bStride, c, n, beta, epilogue);
            return;
        }

        if (opB == Operand.Transposed)
        {
            // op(B)[p, j] = B[j, p] -> scratch[p * n + j]
            TileTranspose.Copy(b, bStride, n, k, scratch, n);

            b = scratch;
            bStride = n;
        }

        // Element (i, p) of op(A) sits at a + i * rowStep + p * depthStep.
        nint rowStep = opA == Operand.AsIs ? aStride : 1;
        nint depthStep = opA == Operand.AsIs ? 1 : aStride;
        if (TakesNarrowBands(m, n, rowStep))
        {
            if (n <= Lanes / 2)
            {
                NarrowBands<TEpilogue, Vector256<float>>(k, a, rowStep, depthStep, b, bStride, c, cStride, beta, m, n, epilogue);
            }
            else
            {
                NarrowBands<TEpilogue, Vector512<float>>(k, a, rowStep, depthStep, b, bStride, c, cStride, beta, m, n, epilogue);
            }

            return;
        }

        // Every full tile in two calls, bands of 12 rows then of 8 (FullBandPlan), then the tiles left: the columns past
        // the last full block in the full bands, and every column of the last rows (at most 3).
        int blocks = n / (2 * Lanes);

        // A sigmoid epilogue keeps its bands at 8 rows: with 24 accumulators live, its constants and temporaries no longer fit
        // the registers (the digits forward pass ran 0.84-0.95x as fast with 12-row bands).
        bool sigmoidEpilogue = typeof(TEpilogue) == typeof(BiasSigmoidEpilogue) || typeof(TEpilogue) == typeof(SigmoidSlopeEpilogue);
        (int wideBands, int narrowBands) = blocks == 0 ? (0, 0) : sigmoidEpilogue ? (0, m / TileRows) : FullBandPlan(m, k, rowStep);
        int fullRows = (wideBands * WideTileRows) + (narrowBands * TileRows);
        if (ShallowWithLargeC(m, n, k))
        {
            FullBands<TEpilogue, RequestedLines>(k, a, rowStep, depthStep, b, bStride, c, cStride, beta, wideBands, narrowBands, blocks, epilogue);
        }
        else
        {
            FullBands<TEpilogue, CachedLines>(k, a, rowStep, depthStep, b, bStride, c, cStride, beta, wideBands, narrowBands, blocks, epilogue);
        }

        // The columns past the last full block, in the full bands' rows; then every column of the rows after them.
        int fullColumns = blocks * 2 * Lanes;
        for (int i = 0; i < fullRows && fullColumns < n; i += TileRows)
        {
            LeftTiles<TEpilogue>(k, a, rowStep, depthStep, b, bStride, c, cStride, beta, i, Math.Min(TileRows, fullRows - i), fullColumns, n, epilogue);
        }

        for (int i = fullRows; i < m; i += TileRows)
        {
            LeftTiles<TEpilogue>(k, a, rowStep, depthStep, b, bStride, c, cStride, beta, i, Math.Min(TileRows, m - i), 0, n, epilogue);
        }
    }

    /// <summary>The full tiles of the bands of 12 rows, then of the bands of 8 after them.</summary>
    private static void FullBands<TEpilogue, TLines>(
        int k, float* a, nint rowStep, nint depthStep, float* b, nint bStride, float* c, nint cStride, float beta, int wideBands, int narrowBands, int blocks,
        in EpilogueArguments epilogue)
        where TEpilogue : struct, ITileEpilogue
        where TLines : struct
    {
        int wideRows = wideBands * WideTileRows;
        FullTiles<TEpilogue, TLines, WidePanel>(k, a, rowStep, depthStep, b, bStride, c, cStride, beta, wideBands, blocks, epilogue);
        FullTiles<TEpilogue, TLines, NarrowPanel>(
            k, a + (wideRows * rowStep), rowStep, depthStep, b, bStride, c + (wideRows * cStride), cStride, beta, narrowBands, blocks, epilogue.At(wideRows, 0));
    }

    /// <summary>The tiles of <paramref name="rows"/> rows from row <paramref name="row"/>, over columns <paramref name="firstColumn"/> to N.</summary>
    private static void LeftTiles<TEpilogue>(
        int k, float* a, nint rowStep, nint depthStep, float* b, nint bStride, float* c, nint cStride, float beta, int row, int rows, int firstColumn, int n,
        in EpilogueArguments epilogue)
        where TEpilogue : struct, ITileEpilogue
    {
        for (int j = firstColumn; j < n; j += 2 * Lanes)
        {
            Tile<TEpilogue>(
                k, a + (row * rowStep), rowStep, depthStep, b + j, bStride, c + (row * cStride) + j, cStride, beta, rows,
                Math.Min(2 * Lanes, n - j), epilogue.At(row, j));
        }
    }

    /// <summary>
    /// How the rows of C split into full bands for <see cref="FullTiles"/>: bands of 12 rows (24 accumulators: each
    /// step's two vectors of B feed 24 multiply-adds instead of 16), then up to two bands of 8, chosen so that at most 3
    /// rows are left to the partial tiles (64 rows: four bands of 12 and two of 8). Bands of 12 rows read A from three
    /// pointers, as a 16-row band reads it from four; where rows of A as stored would crowd one L1 set
    /// (<see cref="BandRowsSpreadOverCacheSets"/>), all bands are of 8 rows.
    /// </summary>
    internal static (int WideBands, int NarrowBands) FullBandPlan(int m, int k, nint rowStep)
    {
        if (k < WideBandLeastDepth || !BandRowsSpreadOverCacheSets(rowStep))
        {
            return (0, m / TileRows);
        }

        // m mod 12 = 0-3: bands of 12 only; 4-7: two bands of 8 in place of one of 12 and the excess; 8-11: one of 8.
        int excess = m % WideTileRows;
        int narrow = excess >= TileRows ? 1 : excess >= QuarterRows && m >= 2 * TileRows ? 2 : 0;
        return ((m - (narrow * TileRows)) / WideTileRows, narrow);
    }

    /// <summary>
    /// Whether the full tiles request their lines of C before their steps (<see cref="CacheLine.RequestRows{T}"/>): in a shallow
    /// product (K &lt;= 16) a tile's few steps are soon over, and its sixteen stores then wait on C's lines when C is
    /// larger than L1 holds. On an Intel Xeon (Sapphire Rapids class) that ran 1.22-1.27x faster at 256 x 10 x 512
    /// (M x K x N, with B as stored or transposed), 1.33-1.43x at 128 x 10 x 256 and 256 x 10 x 128, 1.11x at
    /// 1000 x 13 x 33, 1.05-1.09x at 256 x 14 x 256; but 0.93x at 256 x 32 x 512, and 0.86-0.95x where C fits in L1
    /// (64 x 10 x 128), the requests then being pure cost.
    /// </summary>
    private static bool ShallowWithLargeC(int m, int n, int k) => k <= 16 && (long)m * n > 16 * 1024;

    /// <summary>
    /// The full 12 x 32 (or 8 x 32, after <typeparamref name="TPanel"/>) tiles of the first <paramref name="bands"/>
    /// bands of 12 (or 8) rows, <paramref name="blocks"/> tiles each, band by band and left to right, in one call: no masks, and nothing set up per tile but the accumulators
    /// (with a short depth, such as the 10 classes of dZ2 W2^T, the set-up of a separate call per tile cost as much as a
    /// third of the multiply-adds; with a single step, the outer product h^T dZ2 of a single example, a call per band
    /// cost about 5% of the online step).
    /// </summary>
    /// <remarks>
    /// With <typeparamref name="TLines"/> = <see cref="RequestedLines"/>, each tile requests its lines of C first
    /// (<see cref="ShallowWithLargeC"/>): a type rather than an argument, so that the other tiles pay nothing for it.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void FullTiles<TEpilogue, TLines, TPanel>(
        int depth, float* a, nint rowStep, nint depthStep, float* b, nint bStride, float* c, nint cStride, float beta, int bands, int blocks,
        EpilogueArguments epilogue)
        where TEpilogue : struct, ITileEpilogue
        where TLines : struct
        where TPanel : struct, IPanelHeight
    {
        bool wide = TPanel.Rows > TileRows;
        int bandRows = TPanel.Rows;
        Vector512<float> zero = Vector512<float>.Zero;

        // Rows 0-3, 4-7 (and 8-11) are read from two (three) pointers, each plus 0, 1, 2 or 3 row steps.
        nint s1 = rowStep;
        nint s3 = 3 * rowStep;
        nint sigmoidStride = epilogue.SigmoidStride;
        for (int band = 0; band < bands; band++)
        {
            float* aBand = a + (band * bandRows * rowStep);
            float* cBand = c + (band * bandRows * cStride);
            float* sigmoidBand = epilogue.Sigmoid + (band * bandRows * sigmoidStride);
            for (int block = 0; block < blocks; block++)
            {
                nint column = block * 2 * Lanes;
                Vector512<float> c00 = zero, c01 = zero, c10 = zero, c11 = zero, c20 = zero, c21 = zero, c30 = zero, c31 = zero;
                Vector512<float> c40 = zero, c41 = zero, c50 = zero, c51 = zero, c60 = zero, c61 = zero, c70 = zero, c71 = zero;
                Vector512<float> c80 = zero, c81 = zero, c90 = zero, c91 = zero, c100 = zero, c101 = zero, c110 = zero, c111 = zero;
                float* a0 = aBand;
                float* a4 = aBand + (4 * rowStep);
                float* a8 = aBand + (8 * rowStep);
                float* bRow = b + column;
                if (typeof(TLines) == typeof(RequestedLines))
                {
                    CacheLine.RequestRows(cBand + column, cStride, bandRows, 2 * Lanes);
                }

                for (int p = depth; p > 0; p--)
                {
                    // c_r += op(A)[r, p] * op(B)[p, j..j+31] for the eight rows r
                    Vector512<float> b0 = Vector512.Load(bRow);
                    Vector512<float> b1 = Vector512.Load(bRow + Lanes);
                    Vector512<float> x = Vector512.Create(a0[0]);
                    c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
                    c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
                    x = Vector512.Create(a0[s1]);
                    c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
                    c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
                    x = Vector512.Create(a0[2 * s1]);
                    c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
                    c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
                    x = Vector512.Create(a0[s3]);
                    c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
                    c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
                    x = Vector512.Create(a4[0]);
                    c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
                    c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
                    x = Vector512.Create(a4[s1]);
                    c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
                    c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
                    x = Vector512.Create(a4[2 * s1]);
                    c60 = Vector512.FusedMultiplyAdd(x, b0, c60);
                    c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
                    x = Vector512.Create(a4[s3]);
                    c70 = Vector512.FusedMultiplyAdd(x, b0, c70);
                    c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
                    if (wide)
                    {
                        x = Vector512.Create(a8[0]);
                        c80 = Vector512.FusedMultiplyAdd(x, b0, c80);
                        c81 = Vector512.FusedMultiplyAdd(x, b1, c81);
                        x = Vector512.Create(a8[s1]);
                        c90 = Vector512.FusedMultiplyAdd(x, b0, c90);
                        c91 = Vector512.FusedMultiplyAdd(x, b1, c91);
                        x = Vector512.Create(a8[2 * s1]);
                        c100 = Vector512.FusedMultiplyAdd(x, b0, c100);
                        c101 = Vector512.FusedMultiplyAdd(x, b1, c101);
                        x = Vector512.Create(a8[s3]);
                        c110 = Vector512.FusedMultiplyAdd(x, b0, c110);
                        c111 = Vector512.FusedMultiplyAdd(x, b1, c111);
                        a8 += depthStep;
                    }

                    a0 += depthStep;
                    a4 += depthStep;
                    bRow += bStride;
                }

                Vector512<float> biasLeft = TEpilogue.ReadsBias ? Vector512.Load(epilogue.Bias + column) : zero;
                Vector512<float> biasRight = TEpilogue.ReadsBias ? Vector512.Load(epilogue.Bias + column + Lanes) : zero;
                float* cBlock = cBand + column;
                float* sigmoidBlock = sigmoidBand + column;
                StoreFull<TEpilogue>(cBlock, c00, c01, beta, biasLeft, biasRight, sigmoidBlock);
                StoreFull<TEpilogue>(cBlock + cStride, c10, c11, beta, biasLeft, biasRight, sigmoidBlock + sigmoidStride);
                StoreFull<TEpilogue>(cBlock + (2 * cStride), c20, c21, beta, biasLeft, biasRight, sigmoidBlock + (2 * sigmoidStride));
                StoreFull<TEpilogue>(cBlock + (3 * cStride), c30, c31, beta, biasLeft, biasRight, sigmoidBlock + (3 * sigmoidStride));
                StoreFull<TEpilogue>(cBlock + (4 * cStride), c40, c41, beta, biasLeft, biasRight, sigmoidBlock + (4 * sigmoidStride));
                StoreFull<TEpilogue>(cBlock + (5 * cStride), c50, c51, beta, biasLeft, biasRight, sigmoidBlock + (5 * sigmoidStride));
                StoreFull<TEpilogue>(cBlock + (6 * cStride), c60, c61, beta, biasLeft, biasRight, sigmoidBlock + (6 * sigmoidStride));
                StoreFull<TEpilogue>(cBlock + (7 * cStride), c70, c71, beta, biasLeft, biasRight, sigmoidBlock + (7 * sigmoidStride));
                if (wide)
                {
                    StoreFull<TEpilogue>(cBlock + (8 * cStride), c80, c81, beta, biasLeft, biasRight, sigmoidBlock + (8 * sigmoidStride));
                    StoreFull<TEpilogue>(cBlock + (9 * cStride), c90, c91, beta, biasLeft, biasRight, sigmoidBlock + (9 * sigmoidStride));
                    StoreFull<TEpilogue>(cBlock + (10 * cStride), c100, c101, beta, biasLeft, biasRight, sigmoidBlock + (10 * sigmoidStride));
                    StoreFull<TEpilogue>(cBlock + (11 * cStride), c110, c111, beta, biasLeft, biasRight, sigmoidBlock + (11 * sigmoidStride));
                }
            }
        }
    }

    /// <summary>C tile (rows x columns, at most 8 x 32) = beta C + sum_p op(A)[r, p] op(B)[p, :].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Tile<TEpilogue>(int depth, float* a, nint rowStep, nint depthStep, float* b, nint bStride, float* c, nint cStride, float beta, int rows, int columns, EpilogueArguments epilogue)
        where TEpilogue : struct, ITileEpilogue
    {
        Vector512<float> leftMask = LaneMask.First(columns);
        Vector512<float> rightMask = LaneMask.First(columns - Lanes);
        bool right = columns > Lanes;
        if (rows == 1)
        {
            SingleRow<TEpilogue>(depth, a, depthStep, b, bStride, c, beta, leftMask, rightMask, right, columns == 2 * Lanes, epilogue);
            return;
        }

        // Rows past the tile's end repeat its last row: computed, never stored.
        float* a0 = a;
        float* a1 = a + (Math.Min(1, rows - 1) * rowStep);
        float* a2 = a + (Math.Min(2, rows - 1) * rowStep);
        float* a3 = a + (Math.Min(3, rows - 1) * rowStep);
        float* a4 = a + (Math.Min(4, rows - 1) * rowStep);
        float* a5 = a + (Math.Min(5, rows - 1) * rowStep);
        float* a6 = a + (Math.Min(6, rows - 1) * rowStep);
        float* a7 = a + (Math.Min(7, rows - 1) * rowStep);

        if (!right)
        {
            if (rows <= QuarterRows)
            {
                if (columns <= Lanes / 2)
                {
                    QuarterTile<TEpilogue, Vector256<float>>(depth, a0, a1, a2, a3, depthStep, b, bStride, c, cStride, beta, rows, leftMask, epilogue);
                }
                else
                {
                    QuarterTile<TEpilogue, Vector512<float>>(depth, a0, a1, a2, a3, depthStep, b, bStride, c, cStride, beta, rows, leftMask, epilogue);
                }

                return;
            }

            if (columns <= Lanes / 2)
            {
                NarrowTile<TEpilogue, Vector256<float>>(depth, a0, a1, a2, a3, a4, a5, a6, a7, depthStep, b, bStride, c, cStride, beta, rows, leftMask, epilogue);
            }
            else
            {
                NarrowTile<TEpilogue, Vector512<float>>(depth, a0, a1, a2, a3, a4, a5, a6, a7, depthStep, b, bStride, c, cStride, beta, rows, leftMask, epilogue);
            }

            return;
        }

        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default, c70 = default, c71 = default;
        Vector512<float> zero = Vector512<float>.Zero;
        for (nint p = 0; p < depth; p++)
        {
            // c_r += op(A)[r, p] * op(B)[p, :] for the eight rows r
            float* bRow = b + (p * bStride);
            Vector512<float> b0 = Avx512F.MaskLoad(bRow, leftMask, zero);
            Vector512<float> b1 = Avx512F.MaskLoad(bRow + Lanes, rightMask, zero);
            nint offset = p * depthStep;
            Vector512<float> x = Vector512.Create(a0[offset]);
            c00 = Vector512.FusedMultiplyAdd(x, b0, c00);
            c01 = Vector512.FusedMultiplyAdd(x, b1, c01);
            x = Vector512.Create(a1[offset]);
            c10 = Vector512.FusedMultiplyAdd(x, b0, c10);
            c11 = Vector512.FusedMultiplyAdd(x, b1, c11);
            x = Vector512.Create(a2[offset]);
            c20 = Vector512.FusedMultiplyAdd(x, b0, c20);
            c21 = Vector512.FusedMultiplyAdd(x, b1, c21);
            x = Vector512.Create(a3[offset]);
            c30 = Vector512.FusedMultiplyAdd(x, b0, c30);
            c31 = Vector512.FusedMultiplyAdd(x, b1, c31);
            x = Vector512.Create(a4[offset]);
            c40 = Vector512.FusedMultiplyAdd(x, b0, c40);
            c41 = Vector512.FusedMultiplyAdd(x, b1, c41);
            x = Vector512.Create(a5[offset]);
            c50 = Vector512.FusedMultiplyAdd(x, b0, c50);
            c51 = Vector512.FusedMultiplyAdd(x, b1, c51);
            x = Vector512.Create(a6[offset]);
            c60 = Vector512.FusedMultiplyAdd(x, b0, c60);
            c61 = Vector512.FusedMultiplyAdd(x, b1, c61);
            x = Vector512.Create(a7[offset]);
            c70 = Vector512.FusedMultiplyAdd(x, b0, c70);
            c71 = Vector512.FusedMultiplyAdd(x, b1, c71);
        }

        // The epilogue's operands for this tile: the bias columns, and the sigmoid output's rows.
        Vector512<float> biasLeft = TEpilogue.ReadsBias ? Avx512F.MaskLoad(epilogue.Bias, leftMask, zero) : zero;
        Vector512<float> biasRight = TEpilogue.ReadsBias ? Avx512F.MaskLoad(epilogue.Bias + Lanes, rightMask, zero) : zero;
        float* sigmoid = epilogue.Sigmoid;
        nint sigmoidStride = epilogue.SigmoidStride;
        Store<TEpilogue>(c, c00, c01, beta, leftMask, rightMask, right, biasLeft, biasRight, sigmoid);
        if (rows > 1) Store<TEpilogue>(c + cStride, c10, c11, beta, leftMask, rightMask, right, biasLeft, biasRight, sigmoid + sigmoidStride);
        if (rows > 2) Store<TEpilogue>(c + (2 * cStride), c20, c21, beta, leftMask, rightMask, right, biasLeft, biasRight, sigmoid + (2 * sigmoidStride));
        if (rows > 3) Store<TEpilogue>(c + (3 * cStride), c30, c31, beta, leftMask, rightMask, right, biasLeft, biasRight, sigmoid + (3 * sigmoidStride));
        if (rows > 4) Store<TEpilogue>(c + (4 * cStride), c40, c41, beta, leftMask, rightMask, right, biasLeft, biasRight, sigmoid + (4 * sigmoidStride));
        if (rows > 5) Store<TEpilogue>(c + (5 * cStride), c50, c51, beta, leftMask, rightMask, right, biasLeft, biasRight, sigmoid + (5 * sigmoidStride));
        if (rows > 6) Store<TEpilogue>(c + (6 * cStride), c60, c61, beta, leftMask, rightMask, right, biasLeft, biasRight, sigmoid + (6 * sigmoidStride));
        if (rows > 7) Store<TEpilogue>(c + (7 * cStride), c70, c71, beta, leftMask, rightMask, right, biasLeft, biasRight, sigmoid + (7 * sigmoidStride));
    }

    /// <summary>
    /// The tile of a single row (a vector-matrix product, e.g. one example): four partial sums per output vector, over
    /// the steps p = 0, 1, 2, 3 mod 4, so that four chains of multiply-adds run side by side instead of one chain of
    /// K dependent steps.
    /// </summary>
    private static void SingleRow<TEpilogue>(
        int depth, float* a, nint depthStep, float* b, nint bStride, float* c, float beta, Vector512<float> leftMask, Vector512<float> rightMask, bool right,
        bool fullWidth, EpilogueArguments epilogue)
        where TEpilogue : struct, ITileEpilogue
    {
        Vector512<float> zero = Vector512<float>.Zero;
        Vector512<float> left0 = zero, left1 = zero, left2 = zero, left3 = zero;
        Vector512<float> right0 = zero, right1 = zero, right2 = zero, right3 = zero;
        nint p = 0;
        if (fullWidth)
        {
            // All 32 columns: plain loads, which fold into the multiply-adds, where a masked load costs a mask
            // conversion and a merge each time (the JIT keeps a mask argument in a vector register).
            float* aStep = a;
            float* bRow = b;
            for (; p + 4 <= depth; p += 4)
            {
                // partial sum i += a[p + i] B[p + i, :]
                Vector512<float> x = Vector512.Create(*aStep);
                left0 = Vector512.FusedMultiplyAdd(x, Vector512.Load(bRow), left0);
                right0 = Vector512.FusedMultiplyAdd(x, Vector512.Load(bRow + Lanes), right0);
                x = Vector512.Create(aStep[depthStep]);
                left1 = Vector512.FusedMultiplyAdd(x, Vector512.Load(bRow + bStride), left1);
                right1 = Vector512.FusedMultiplyAdd(x, Vector512.Load(bRow + bStride + Lanes), right1);
                x = Vector512.Create(aStep[2 * depthStep]);
                left2 = Vector512.FusedMultiplyAdd(x, Vector512.Load(bRow + (2 * bStride)), left2);
                right2 = Vector512.FusedMultiplyAdd(x, Vector512.Load(bRow + (2 * bStride) + Lanes), right2);
                x = Vector512.Create(aStep[3 * depthStep]);
                left3 = Vector512.FusedMultiplyAdd(x, Vector512.Load(bRow + (3 * bStride)), left3);
                right3 = Vector512.FusedMultiplyAdd(x, Vector512.Load(bRow + (3 * bStride) + Lanes), right3);
                aStep += 4 * depthStep;
                bRow += 4 * bStride;
            }
        }

        for (; p + 4 <= depth; p += 4)
        {
            // partial sum i += a[p + i] B[p + i, :]
            float* bRow = b + (p * bStride);
            Vector512<float> x = Vector512.Create(a[p * depthStep]);
            left0 = Vector512.FusedMultiplyAdd(x, Avx512F.MaskLoad(bRow, leftMask, zero), left0);
            right0 = Vector512.FusedMultiplyAdd(x, Avx512F.MaskLoad(bRow + Lanes, rightMask, zero), right0);
            x = Vector512.Create(a[(p + 1) * depthStep]);
            left1 = Vector512.FusedMultiplyAdd(x, Avx512F.MaskLoad(bRow + bStride, leftMask, zero), left1);
            right1 = Vector512.FusedMultiplyAdd(x, Avx512F.MaskLoad(bRow + bStride + Lanes, rightMask, zero), right1);
            x = Vector512.Create(a[(p + 2) * depthStep]);
            left2 = Vector512.FusedMultiplyAdd(x, Avx512F.MaskLoad(bRow + (2 * bStride), leftMask, zero), left2);
            right2 = Vector512.FusedMultiplyAdd(x, Avx512F.MaskLoad(bRow + (2 * bStride) + Lanes, rightMask, zero), right2);
            x = Vector512.Create(a[(p + 3) * depthStep]);
            left3 = Vector512.FusedMultiplyAdd(x, Avx512F.MaskLoad(bRow + (3 * bStride), leftMask, zero), left3);
            right3 = Vector512.FusedMultiplyAdd(x, Avx512F.MaskLoad(bRow + (3 * bStride) + Lanes, rightMask, zero), right3);
        }

        for (; p < depth; p++)
        {
            float* bRow = b + (p * bStride);
            Vector512<float> x = Vector512.Create(a[p * depthStep]);
            left0 = Vector512.FusedMultiplyAdd(x, Avx512F.MaskLoad(bRow, leftMask, zero), left0);
            right0 = Vector512.FusedMultiplyAdd(x, Avx512F.MaskLoad(bRow + Lanes, rightMask, zero), right0);
        }

        Vector512<float> biasLeft = TEpilogue.ReadsBias ? Avx512F.MaskLoad(epilogue.Bias, leftMask, zero) : zero;
        Vector512<float> biasRight = TEpilogue.ReadsBias ? Avx512F.MaskLoad(epilogue.Bias + Lanes, rightMask, zero) : zero;
        Store<TEpilogue>(
            c, (left0 + left1) + (left2 + left3), (right0 + right1) + (right2 + right3), beta, leftMask, rightMask, right, biasLeft, biasRight, epilogue.Sigmoid);
    }

    /// <summary>
    /// C for at most 16 columns (one vector per row) and at least 9 rows, in bands of 16 rows. The mask and the
    /// epilogue's bias are set up once for all bands. A remainder of at most 4 (or 8) rows runs in one pass with the last
    /// band (20 or 24 rows); a longer one as a band moved up to end at row M, whose rows shared with the band before
    /// are computed again but not stored. 9 to 15 rows run in one pass of a band of 8 or 12 rows and the 4 rows ending at
    /// row M (on an AMD Zen 4 core, 12 x 10 x 5 took 64 ns this way, against 103 ns as tiles of 8 and 4 rows).
    /// </summary>
    private static void NarrowBands<TEpilogue, TVector>(
        int depth, float* a, nint rowStep, nint depthStep, float* b, nint bStride, float* c, nint cStride, float beta, int m, int n,
        in EpilogueArguments epilogue)
        where TEpilogue : struct, ITileEpilogue
        where TVector : struct
    {
        float* bias = epilogue.Bias;
        float* sigmoid = epilogue.Sigmoid;
        nint sigmoidStride = epilogue.SigmoidStride;
        if (m <= BandRows + TileRows)
        {
            OnePass<TEpilogue, TVector>(depth, a, rowStep, depthStep, b, bStride, c, cStride, beta, m, n, bias, sigmoid, sigmoidStride);
            return;
        }

        int remainder = m % BandRows;
        int plainBands = m / BandRows - (remainder is > 0 and <= TileRows ? 1 : 0);
        int i = 0;
        for (; i < plainBands * BandRows; i += BandRows)
        {
            Band<TEpilogue, SixteenRows, TVector>(
                depth, a + (i * rowStep), rowStep, depthStep, b, bStride, c + (i * cStride), cStride, beta, n, bias, sigmoid + (i * sigmoidStride), sigmoidStride, 0, 0);
        }

        if (remainder is > 0 and <= TileRows / 2)
        {
            // The last band and the remainder in one pass of 20 rows: the band, and the 4 rows ending at row M.
            Band<TEpilogue, TwentyRows, TVector>(
                depth, a + (i * rowStep), rowStep, depthStep, b, bStride, c + (i * cStride), cStride, beta, n, bias, sigmoid + (i * sigmoidStride), sigmoidStride, 0,
                BandRows + remainder - (TileRows / 2));
        }
        else if (remainder is > 0 and <= TileRows)
        {
            // The last band and the remainder in one pass of 24 rows: the band, and the 8 rows ending at row M.
            Band<TEpilogue, TwentyFourRows, TVector>(
                depth, a + (i * rowStep), rowStep, depthStep, b, bStride, c + (i * cStride), cStride, beta, n, bias, sigmoid + (i * sigmoidStride), sigmoidStride, 0,
                BandRows + remainder - TileRows);
        }
        else if (remainder > 0)
        {
            int start = m - BandRows;
            Band<TEpilogue, SixteenRows, TVector>(
                depth, a + (start * rowStep), rowStep, depthStep, b, bStride, c + (start * cStride), cStride, beta, n, bias, sigmoid + (start * sigmoidStride), sigmoidStride,
                i - start, 0);
        }
    }

    /// <summary>
    /// C of 9 to 24 rows, one vector per row, in one pass of a band: 9 to 15 rows as a band of 8 (or 12) rows and the 4
    /// rows ending at row M, 16 as one band, 17 to 24 as a band of 16 and the 4 (or 8) rows ending at row M. Run by
    /// <see cref="NarrowBands"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OnePass<TEpilogue, TVector>(
        int depth, float* a, nint rowStep, nint depthStep, float* b, nint bStride, float* c, nint cStride, float beta, int m, int n,
        float* bias, float* sigmoid, nint sigmoidStride)
        where TEpilogue : struct, ITileEpilogue
        where TVector : struct
    {
        Debug.Assert(m > TileRows && m <= BandRows + TileRows, "One pass takes 9 to 24 rows.");
        if (m <= TileRows + (TileRows / 2))
        {
            Band<TEpilogue, EightRowsAndTail, TVector>(
                depth, a, rowStep, depthStep, b, bStride, c, cStride, beta, n, bias, sigmoid, sigmoidStride, 0, m - (TileRows / 2));
        }
        else if (m < BandRows)
        {
            Band<TEpilogue, TwelveRowsAndTail, TVector>(
                depth, a, rowStep, depthStep, b, bStride, c, cStride, beta, n, bias, sigmoid, sigmoidStride, 0, m - (TileRows / 2));
        }
        else if (m == BandRows)
        {
            Band<TEpilogue, SixteenRows, TVector>(depth, a, rowStep, depthStep, b, bStride, c, cStride, beta, n, bias, sigmoid, sigmoidStride, 0, 0);
        }
        else if (m <= BandRows + (TileRows / 2))
        {
            Band<TEpilogue, TwentyRows, TVector>(
                depth, a, rowStep, depthStep, b, bStride, c, cStride, beta, n, bias, sigmoid, sigmoidStride, 0, m - (TileRows / 2));
        }
        else
        {
            Band<TEpilogue, TwentyFourRows, TVector>(
                depth, a, rowStep, depthStep, b, bStride, c, cStride, beta, n, bias, sigmoid, sigmoidStride, 0, m - TileRows);
        }
    }

    /// <summary>
    /// Whether C of <paramref name="m"/> x <paramref name="n"/> runs in <see cref="NarrowBands"/>: at most 16 columns, more
    /// than 8 rows, and rows of op(A) <paramref name="rowStep"/> floats apart that spread over the L1 sets. The general
    /// dispatch and the plain product's entry both ask it.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool TakesNarrowBands(int m, int n, nint rowStep) =>
        n <= Lanes && m > TileRows && BandRowsSpreadOverCacheSets(rowStep);

    /// <summary>Full tiles that request their lines of C before their steps.</summary>
    private struct RequestedLines;

    /// <summary>Full tiles that leave C's lines to the stores.</summary>
    private struct CachedLines;

    /// <summary>A band of sixteen rows.</summary>
    private struct SixteenRows;

    /// <summary>A band of sixteen rows and a tail of four more.</summary>
    private struct TwentyRows;

    /// <summary>A band of sixteen rows and a tail of eight more.</summary>
    private struct TwentyFourRows;

    /// <summary>A band of eight rows and a tail of four (9 to 12 rows in all).</summary>
    private struct EightRowsAndTail;

    /// <summary>A band of twelve rows and a tail of four (13 to 15 rows in all).</summary>
    private struct TwelveRowsAndTail;

    /// <summary>
    /// Whether sixteen rows of op(A), <paramref name="rowStep"/> floats apart, spread over enough L1 sets. The L1 cache
    /// has 64 sets of 64-byte lines, so addresses 4 KiB apart share a set; when rows d &lt;= 3 apart do, five or more of
    /// the sixteen rows' current lines compete for one 12-way set with the lines of B, and a band then runs several
    /// times slower than two 8-row tiles (seen with 512-float rows: 256x512x10).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool BandRowsSpreadOverCacheSets(nint rowStep)
    {
        const int LineBytes = 64;
        const int SetPeriodBytes = 4096;
        if ((ulong)(3 * rowStep * sizeof(float)) <= SetPeriodBytes - LineBytes)
        {
            // Three row steps span at most a period less a line, so each of the distances below is its own offset,
            // under a line or between a line and a period less one: no row crowds a set. Answered here without the
            // loop's divisions, the 20 x 10 x 5 product's call took about 3.5% less time (informal interleaved loop).
            return true;
        }

        for (nint d = 1; d <= 3; d++)
        {
            nint bytes = d * rowStep * sizeof(float);
            nint offset = bytes % SetPeriodBytes;
            if (bytes >= LineBytes && (offset < LineBytes || offset > SetPeriodBytes - LineBytes))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Sixteen rows of C (one vector each, of <paramref name="columns"/> lanes): sixteen independent chains of multiply-adds
    /// per step, enough to keep both FMA pipes busy at any depth. Rows before <paramref name="firstStored"/> are
    /// computed but not stored. With <typeparamref name="TRows"/> = <see cref="TwentyFourRows"/> (or
    /// <see cref="TwentyRows"/>), eight (or four) more rows starting at row <paramref name="tailRow"/> (those from 16 on
    /// are stored, the ones before 16 only computed) run in the same pass: a band and a short remainder cost one set-up,
    /// and 24 chains instead of 16 + 8. With <see cref="EightRowsAndTail"/> (or <see cref="TwelveRowsAndTail"/>), the
    /// band is of 8 (or 12) rows and the tail of 4, from row <paramref name="tailRow"/>, those from 8 (or 12) on stored:
    /// C of 9 to 15 rows in one pass.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    private static void Band<TEpilogue, TRows, TVector>(
        int depth, float* a, nint rowStep, nint depthStep, float* b, nint bStride, float* c, nint cStride, float beta,
        int columns, float* biasRow, float* sigmoid, nint sigmoidStride, int firstStored, int tailRow)
        where TEpilogue : struct, ITileEpilogue
        where TRows : struct
        where TVector : struct
    {
        // The mask and the bias are made here rather than passed: a 512-bit argument goes through the stack, written by
        // the caller and read back here at once (20 x 10 x 5 took about 1% longer that way on an AMD Zen 4 core).
        Vector512<float> mask = LaneMask.First(columns);
        Vector512<float> bias = TEpilogue.ReadsBias ? Avx512F.MaskLoad(biasRow, mask, Vector512<float>.Zero) : Vector512<float>.Zero;
        bool longTail = typeof(TRows) == typeof(TwentyFourRows);
        bool eight = typeof(TRows) == typeof(EightRowsAndTail);
        bool twelve = typeof(TRows) == typeof(TwelveRowsAndTail);
        bool tail = longTail || eight || twelve || typeof(TRows) == typeof(TwentyRows);

        // Rows in the band before the tail: 8, 12 or 16. Rows 8-11 run when there are 12 or 16, rows 12-15 when 16.
        int bandRows = eight ? 8 : twelve ? 12 : BandRows;
        bool third = !eight;
        bool fourth = !eight && !twelve;
        Vector512<float> zero = Vector512<float>.Zero;
        TVector c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        TVector c8 = default, c9 = default, c10 = default, c11 = default, c12 = default, c13 = default, c14 = default, c15 = default;
        TVector t0 = default, t1 = default, t2 = default, t3 = default, t4 = default, t5 = default, t6 = default, t7 = default;

        // Rows 0-3, 4-7, 8-11, 12-15 (and the tail's two quarters) are read from one pointer each, plus 0, 1, 2 or 3
        // row steps.
        nint s1 = rowStep;
        nint s3 = 3 * rowStep;
        float* a0 = a;
        float* a4 = a + (4 * rowStep);
        float* a8 = a + (8 * rowStep);
        float* a12 = a + (12 * rowStep);
        float* tail0 = a + (tailRow * rowStep);
        float* tail4 = tail0 + (4 * rowStep);
        float* bRow = b;
        for (int p = depth; p > 0; p--)
        {
            // c_r += op(A)[r, p] * op(B)[p, :] for the band's rows r (8 to 24)
            TVector bp = BandVector.LoadRow<TVector>(bRow, mask);
            c0 = BandVector.MultiplyAdd(a0, bp, c0);
            c1 = BandVector.MultiplyAdd(a0 + s1, bp, c1);
            c2 = BandVector.MultiplyAdd(a0 + (2 * s1), bp, c2);
            c3 = BandVector.MultiplyAdd(a0 + s3, bp, c3);
            c4 = BandVector.MultiplyAdd(a4, bp, c4);
            c5 = BandVector.MultiplyAdd(a4 + s1, bp, c5);
            c6 = BandVector.MultiplyAdd(a4 + (2 * s1), bp, c6);
            c7 = BandVector.MultiplyAdd(a4 + s3, bp, c7);
            if (third)
            {
                c8 = BandVector.MultiplyAdd(a8, bp, c8);
                c9 = BandVector.MultiplyAdd(a8 + s1, bp, c9);
                c10 = BandVector.MultiplyAdd(a8 + (2 * s1), bp, c10);
                c11 = BandVector.MultiplyAdd(a8 + s3, bp, c11);
                a8 += depthStep;
            }

            if (fourth)
            {
                c12 = BandVector.MultiplyAdd(a12, bp, c12);
                c13 = BandVector.MultiplyAdd(a12 + s1, bp, c13);
                c14 = BandVector.MultiplyAdd(a12 + (2 * s1), bp, c14);
                c15 = BandVector.MultiplyAdd(a12 + s3, bp, c15);
                a12 += depthStep;
            }

            a0 += depthStep;
            a4 += depthStep;
            if (tail)
            {
                t0 = BandVector.MultiplyAdd(tail0, bp, t0);
                t1 = BandVector.MultiplyAdd(tail0 + s1, bp, t1);
                t2 = BandVector.MultiplyAdd(tail0 + (2 * s1), bp, t2);
                t3 = BandVector.MultiplyAdd(tail0 + s3, bp, t3);
                tail0 += depthStep;
            }

            if (longTail)
            {
                t4 = BandVector.MultiplyAdd(tail4, bp, t4);
                t5 = BandVector.MultiplyAdd(tail4 + s1, bp, t5);
                t6 = BandVector.MultiplyAdd(tail4 + (2 * s1), bp, t6);
                t7 = BandVector.MultiplyAdd(tail4 + s3, bp, t7);
                tail4 += depthStep;
            }

            bRow += bStride;
        }

        // A row of at most 8 columns is stored from the lower half, with a 256-bit masked store: a 512-bit one costs two
        // store cycles on cores that split it in halves (AMD Zen 4), and more when its 64 bytes span two cache lines.
        bool halfWidth = typeof(TVector) == typeof(Vector256<float>);
        if (firstStored <= 0) Store<TEpilogue>(c, BandVector.Widen(c0), zero, beta, mask, zero, false, bias, zero, sigmoid, halfWidth);
        if (firstStored <= 1) Store<TEpilogue>(c + cStride, BandVector.Widen(c1), zero, beta, mask, zero, false, bias, zero, sigmoid + sigmoidStride, halfWidth);
        if (firstStored <= 2) Store<TEpilogue>(c + (2 * cStride), BandVector.Widen(c2), zero, beta, mask, zero, false, bias, zero, sigmoid + (2 * sigmoidStride), halfWidth);
        if (firstStored <= 3) Store<TEpilogue>(c + (3 * cStride), BandVector.Widen(c3), zero, beta, mask, zero, false, bias, zero, sigmoid + (3 * sigmoidStride), halfWidth);
        if (firstStored <= 4) Store<TEpilogue>(c + (4 * cStride), BandVector.Widen(c4), zero, beta, mask, zero, false, bias, zero, sigmoid + (4 * sigmoidStride), halfWidth);
        if (firstStored <= 5) Store<TEpilogue>(c + (5 * cStride), BandVector.Widen(c5), zero, beta, mask, zero, false, bias, zero, sigmoid + (5 * sigmoidStride), halfWidth);
        if (firstStored <= 6) Store<TEpilogue>(c + (6 * cStride), BandVector.Widen(c6), zero, beta, mask, zero, false, bias, zero, sigmoid + (6 * sigmoidStride), halfWidth);
        if (firstStored <= 7) Store<TEpilogue>(c + (7 * cStride), BandVector.Widen(c7), zero, beta, mask, zero, false, bias, zero, sigmoid + (7 * sigmoidStride), halfWidth);
        if (third && firstStored <= 8) Store<TEpilogue>(c + (8 * cStride), BandVector.Widen(c8), zero, beta, mask, zero, false, bias, zero, sigmoid + (8 * sigmoidStride), halfWidth);
        if (third && firstStored <= 9) Store<TEpilogue>(c + (9 * cStride), BandVector.Widen(c9), zero, beta, mask, zero, false, bias, zero, sigmoid + (9 * sigmoidStride), halfWidth);
        if (third && firstStored <= 10) Store<TEpilogue>(c + (10 * cStride), BandVector.Widen(c10), zero, beta, mask, zero, false, bias, zero, sigmoid + (10 * sigmoidStride), halfWidth);
        if (third && firstStored <= 11) Store<TEpilogue>(c + (11 * cStride), BandVector.Widen(c11), zero, beta, mask, zero, false, bias, zero, sigmoid + (11 * sigmoidStride), halfWidth);
        if (fourth && firstStored <= 12) Store<TEpilogue>(c + (12 * cStride), BandVector.Widen(c12), zero, beta, mask, zero, false, bias, zero, sigmoid + (12 * sigmoidStride), halfWidth);
        if (fourth && firstStored <= 13) Store<TEpilogue>(c + (13 * cStride), BandVector.Widen(c13), zero, beta, mask, zero, false, bias, zero, sigmoid + (13 * sigmoidStride), halfWidth);
        if (fourth && firstStored <= 14) Store<TEpilogue>(c + (14 * cStride), BandVector.Widen(c14), zero, beta, mask, zero, false, bias, zero, sigmoid + (14 * sigmoidStride), halfWidth);
        if (fourth) Store<TEpilogue>(c + (15 * cStride), BandVector.Widen(c15), zero, beta, mask, zero, false, bias, zero, sigmoid + (15 * sigmoidStride), halfWidth);
        if (tail)
        {
            // Tail row r is row tailRow + r of the pass; the ones before the band's end belong to it and are not stored.
            float* cTail = c + (tailRow * cStride);
            float* sigmoidTail = sigmoid + (tailRow * sigmoidStride);
            int firstTailStored = bandRows - tailRow;
            if (firstTailStored <= 0) Store<TEpilogue>(cTail, BandVector.Widen(t0), zero, beta, mask, zero, false, bias, zero, sigmoidTail, halfWidth);
            if (firstTailStored <= 1) Store<TEpilogue>(cTail + cStride, BandVector.Widen(t1), zero, beta, mask, zero, false, bias, zero, sigmoidTail + sigmoidStride, halfWidth);
            if (firstTailStored <= 2) Store<TEpilogue>(cTail + (2 * cStride), BandVector.Widen(t2), zero, beta, mask, zero, false, bias, zero, sigmoidTail + (2 * sigmoidStride), halfWidth);
            if (!longTail || firstTailStored <= 3) Store<TEpilogue>(cTail + (3 * cStride), BandVector.Widen(t3), zero, beta, mask, zero, false, bias, zero, sigmoidTail + (3 * sigmoidStride), halfWidth);
        }

        if (longTail)
        {
            float* cTail = c + (tailRow * cStride);
            float* sigmoidTail = sigmoid + (tailRow * sigmoidStride);
            int firstTailStored = bandRows - tailRow;
            if (firstTailStored <= 4) Store<TEpilogue>(cTail + (4 * cStride), BandVector.Widen(t4), zero, beta, mask, zero, false, bias, zero, sigmoidTail + (4 * sigmoidStride), halfWidth);
            if (firstTailStored <= 5) Store<TEpilogue>(cTail + (5 * cStride), BandVector.Widen(t5), zero, beta, mask, zero, false, bias, zero, sigmoidTail + (5 * sigmoidStride), halfWidth);
            if (firstTailStored <= 6) Store<TEpilogue>(cTail + (6 * cStride), BandVector.Widen(t6), zero, beta, mask, zero, false, bias, zero, sigmoidTail + (6 * sigmoidStride), halfWidth);
            Store<TEpilogue>(cTail + (7 * cStride), BandVector.Widen(t7), zero, beta, mask, zero, false, bias, zero, sigmoidTail + (7 * sigmoidStride), halfWidth);
        }
    }

    /// <summary>The tile for at most 16 columns (one vector): eight accumulators, eight multiply-adds per step.</summary>
    private static void NarrowTile<TEpilogue, TVector>(
        int depth, float* a0, float* a1, float* a2, float* a3, float* a4, float* a5, float* a6, float* a7, nint depthStep,
        float* b, nint bStride, float* c, nint cStride, float beta, int rows, Vector512<float> mask, EpilogueArguments epilogue)
        where TEpilogue : struct, ITileEpilogue
        where TVector : struct
    {
        TVector c0 = default, c1 = default, c2 = default, c3 = default;
        TVector c4 = default, c5 = default, c6 = default, c7 = default;
        Vector512<float> zero = Vector512<float>.Zero;
        for (nint p = 0; p < depth; p++)
        {
            // c_r += op(A)[r, p] * op(B)[p, :] for the eight rows r
            TVector bRow = BandVector.LoadRow<TVector>(b + (p * bStride), mask);
            nint offset = p * depthStep;
            c0 = BandVector.MultiplyAdd(a0 + offset, bRow, c0);
            c1 = BandVector.MultiplyAdd(a1 + offset, bRow, c1);
            c2 = BandVector.MultiplyAdd(a2 + offset, bRow, c2);
            c3 = BandVector.MultiplyAdd(a3 + offset, bRow, c3);
            c4 = BandVector.MultiplyAdd(a4 + offset, bRow, c4);
            c5 = BandVector.MultiplyAdd(a5 + offset, bRow, c5);
            c6 = BandVector.MultiplyAdd(a6 + offset, bRow, c6);
            c7 = BandVector.MultiplyAdd(a7 + offset, bRow, c7);
        }

        Vector512<float> bias = TEpilogue.ReadsBias ? Avx512F.MaskLoad(epilogue.Bias, mask, zero) : zero;
        float* sigmoid = epilogue.Sigmoid;
        nint sigmoidStride = epilogue.SigmoidStride;
        bool halfWidth = typeof(TVector) == typeof(Vector256<float>);
        Store<TEpilogue>(c, BandVector.Widen(c0), zero, beta, mask, zero, false, bias, zero, sigmoid, halfWidth);
        if (rows > 1) Store<TEpilogue>(c + cStride, BandVector.Widen(c1), zero, beta, mask, zero, false, bias, zero, sigmoid + sigmoidStride, halfWidth);
        if (rows > 2) Store<TEpilogue>(c + (2 * cStride), BandVector.Widen(c2), zero, beta, mask, zero, false, bias, zero, sigmoid + (2 * sigmoidStride), halfWidth);
        if (rows > 3) Store<TEpilogue>(c + (3 * cStride), BandVector.Widen(c3), zero, beta, mask, zero, false, bias, zero, sigmoid + (3 * sigmoidStride), halfWidth);
        if (rows > 4) Store<TEpilogue>(c + (4 * cStride), BandVector.Widen(c4), zero, beta, mask, zero, false, bias, zero, sigmoid + (4 * sigmoidStride), halfWidth);
        if (rows > 5) Store<TEpilogue>(c + (5 * cStride), BandVector.Widen(c5), zero, beta, mask, zero, false, bias, zero, sigmoid + (5 * sigmoidStride), halfWidth);
        if (rows > 6) Store<TEpilogue>(c + (6 * cStride), BandVector.Widen(c6), zero, beta, mask, zero, false, bias, zero, sigmoid + (6 * sigmoidStride), halfWidth);
        if (rows > 7) Store<TEpilogue>(c + (7 * cStride), BandVector.Widen(c7), zero, beta, mask, zero, false, bias, zero, sigmoid + (7 * sigmoidStride), halfWidth);
    }

    /// <summary>
    /// The tile of at most four rows and 16 columns: two accumulators per row, over the even and the odd steps, so that
    /// two chains of multiply-adds per row run side by side (with one per row, four rows left the multiply-add units
    /// waiting on each chain for half of the time).
    /// </summary>
    private static void QuarterTile<TEpilogue, TVector>(
        int depth, float* a0, float* a1, float* a2, float* a3, nint depthStep, float* b, nint bStride, float* c, nint cStride, float beta, int rows,
        Vector512<float> mask, EpilogueArguments epilogue)
        where TEpilogue : struct, ITileEpilogue
        where TVector : struct
    {
        TVector even0 = default, even1 = default, even2 = default, even3 = default;
        TVector odd0 = default, odd1 = default, odd2 = default, odd3 = default;
        Vector512<float> zero = Vector512<float>.Zero;
        nint p = 0;
        for (; p + 1 < depth; p += 2)
        {
            // even_r += op(A)[r, p] * op(B)[p, :], odd_r += op(A)[r, p + 1] * op(B)[p + 1, :] for the four rows r
            TVector bEven = BandVector.LoadRow<TVector>(b + (p * bStride), mask);
            TVector bOdd = BandVector.LoadRow<TVector>(b + ((p + 1) * bStride), mask);
            nint offset = p * depthStep;
            even0 = BandVector.MultiplyAdd(a0 + offset, bEven, even0);
            even1 = BandVector.MultiplyAdd(a1 + offset, bEven, even1);
            even2 = BandVector.MultiplyAdd(a2 + offset, bEven, even2);
            even3 = BandVector.MultiplyAdd(a3 + offset, bEven, even3);
            offset += depthStep;
            odd0 = BandVector.MultiplyAdd(a0 + offset, bOdd, odd0);
            odd1 = BandVector.MultiplyAdd(a1 + offset, bOdd, odd1);
            odd2 = BandVector.MultiplyAdd(a2 + offset, bOdd, odd2);
            odd3 = BandVector.MultiplyAdd(a3 + offset, bOdd, odd3);
        }

        if (p < depth)
        {
            TVector bLast = BandVector.LoadRow<TVector>(b + (p * bStride), mask);
            nint offset = p * depthStep;
            even0 = BandVector.MultiplyAdd(a0 + offset, bLast, even0);
            even1 = BandVector.MultiplyAdd(a1 + offset, bLast, even1);
            even2 = BandVector.MultiplyAdd(a2 + offset, bLast, even2);
            even3 = BandVector.MultiplyAdd(a3 + offset, bLast, even3);
        }

        Vector512<float> bias = TEpilogue.ReadsBias ? Avx512F.MaskLoad(epilogue.Bias, mask, zero) : zero;
        float* sigmoid = epilogue.Sigmoid;
        nint sigmoidStride = epilogue.SigmoidStride;
        bool halfWidth = typeof(TVector) == typeof(Vector256<float>);
        Store<TEpilogue>(c, BandVector.Widen(even0) + BandVector.Widen(odd0), zero, beta, mask, zero, false, bias, zero, sigmoid, halfWidth);
        if (rows > 1) Store<TEpilogue>(c + cStride, BandVector.Widen(even1) + BandVector.Widen(odd1), zero, beta, mask, zero, false, bias, zero, sigmoid + sigmoidStride, halfWidth);
        if (rows > 2) Store<TEpilogue>(c + (2 * cStride), BandVector.Widen(even2) + BandVector.Widen(odd2), zero, beta, mask, zero, false, bias, zero, sigmoid + (2 * sigmoidStride), halfWidth);
        if (rows > 3) Store<TEpilogue>(c + (3 * cStride), BandVector.Widen(even3) + BandVector.Widen(odd3), zero, beta, mask, zero, false, bias, zero, sigmoid + (3 * sigmoidStride), halfWidth);
    }

    /// <summary>
    /// C row = epilogue(acc) (beta = 0, C not read) or epilogue(acc + beta C), through the column masks. Inlined into
    /// the tile kernels with the epilogue, so that nothing is called while the accumulators are live. With
    /// <paramref name="lowerHalf"/>, the row has at most 8 columns and is stored from the lower half of the vector.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store<TEpilogue>(
        float* c, Vector512<float> left, Vector512<float> right, float beta, Vector512<float> leftMask, Vector512<float> rightMask, bool hasRight,
        Vector512<float> biasLeft, Vector512<float> biasRight, float* sigmoidRow, bool lowerHalf = false)
        where TEpilogue : struct, ITileEpilogue
    {
        if (TEpilogue.ReadsC)
        {
            Vector512<float> scale = Vector512.Create(beta);
            left = Vector512.FusedMultiplyAdd(Avx512F.MaskLoad(c, leftMask, Vector512<float>.Zero), scale, left);
            if (hasRight)
            {
                right = Vector512.FusedMultiplyAdd(Avx512F.MaskLoad(c + Lanes, rightMask, Vector512<float>.Zero), scale, right);
            }
        }

        Vector512<float> leftRow = TEpilogue.Apply(left, biasLeft, sigmoidRow, leftMask);
        if (lowerHalf)
        {
            PageSafeStore.StoreLowerHalf(c, leftMask, leftRow);
        }
        else
        {
            PageSafeStore.Store(c, leftMask, leftRow);
        }
        if (hasRight)
        {
            PageSafeStore.Store(c + Lanes, rightMask, TEpilogue.Apply(right, biasRight, sigmoidRow + Lanes, rightMask));
        }
    }

    /// <summary>
    /// C row = epilogue(acc) or epilogue(acc + beta C) for a full 32-column row of a tile: two plain stores, no masks.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreFull<TEpilogue>(
        float* c, Vector512<float> left, Vector512<float> right, float beta, Vector512<float> biasLeft, Vector512<float> biasRight, float* sigmoidRow)
        where TEpilogue : struct, ITileEpilogue
    {
        if (TEpilogue.ReadsC)
        {
            Vector512<float> scale = Vector512.Create(beta);
            left = Vector512.FusedMultiplyAdd(Vector512.Load(c), scale, left);
            right = Vector512.FusedMultiplyAdd(Vector512.Load(c + Lanes), scale, right);
        }

        Vector512<float> all = Vector512<float>.AllBitsSet;
        Vector512.Store(TEpilogue.Apply(left, biasLeft, sigmoidRow, all), c);
        Vector512.Store(TEpilogue.Apply(right, biasRight, sigmoidRow + Lanes, all), c + Lanes);
    }
}
