using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using CommunityToolkit.HighPerformance;

namespace Nn.Span;

/// <summary>
/// Softmax and the fused softmax, cross-entropy and gradient for float rows of at most 16 logits (e.g. Dy = 10 classes)
/// on processors with AVX2 and FMA but without AVX-512 (where <see cref="ShortRowTiles"/> takes them), eight rows at a
/// time. The rows of a tile are transposed as they are loaded (<see cref="TileTranspose256.Transpose"/>), so that
/// column j of the eight rows is one vector (lane r is row r); the maximum, e^(z - max), the sum and the scaling then
/// run lane-wise down the columns, eight rows' dependency chains side by side, and the result is transposed back as it
/// is stored. At width 10 the last two columns are gathered from the rows' last pairs (and scattered back) instead of
/// being transposed as eight: softmax of 256 x 10 ran 1.14-1.15x faster that way (interleaved in one process, AMD Zen 3).
/// The softmax takes its full tiles two at a time, side by side (<see cref="ExponentialsOfTwo"/>).
/// </summary>
/// <remarks>
/// On an AMD Zen 3 core, row by row with each row in two vectors, the fused loss of 64 x 10 ran no faster than the
/// general path's calls (about 40 ns a row): a row's work is one chain of about a hundred cycles (maximum, exponential,
/// sum, division) that the core did not overlap with the next row's. In tiles, interleaved with the general path in one
/// process: 2.6x as fast for 64 x 10, 2.5x for 256 x 10, 4.7x for 64 x 5, 2.1x for 64 x 16.
/// Every lane computes the same operations whatever the other lanes hold, so a row's result does not depend on its
/// neighbours. A row holding NaN or +Inf, or a row of -Inf, gets a NaN sum; it is not stored from the tile but goes,
/// its logits still unwritten, through the general path, which gives it its limits. The columns past the row's width
/// are never read and never written; a last tile of fewer than eight rows reads and writes only its rows. The
/// destination may be the logits: a tile is read whole before any of it is written.
/// </remarks>
[SkipLocalsInit]
internal static unsafe class ShortRowTiles256
{
    private const int Lanes = 8;

    /// <summary>The vectors of one tile's columns: the widest row, two vectors of logits.</summary>
    private const int TileColumns = 2 * Lanes;

    /// <summary>Whether rows of <paramref name="width"/> logits run here (and not in the AVX-512 tiles).</summary>
    public static bool Applies(int width) =>
        Avx2.IsSupported && Fma.IsSupported && !ShortRowSoftmax.Applies(width) && width > 0 && width <= 2 * Lanes;

    /// <summary>destination = softmax of every row; destination may be the logits. Shapes are valid.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Softmax(ReadOnlySpan2D<float> logits, Span2D<float> destination)
    {
        int height = logits.Height;
        int width = logits.Width;
        nint logitsStride = MatrixMemory.RowStride(logits);
        nint destinationStride = MatrixMemory.RowStride((ReadOnlySpan2D<float>)destination);
        Vector256<float>* memory = stackalloc Vector256<float>[(2 * TileColumns) + 2];
        Vector256<float>* columns = CacheLine.Align(memory);
        fixed (float* first = &logits.DangerousGetReference())
        fixed (float* firstDestination = &destination.DangerousGetReference())
        {
            int row = 0;
            for (; row + (2 * Lanes) <= height; row += 2 * Lanes)
            {
                SoftmaxTilePair(
                    first + (row * logitsStride), logitsStride, firstDestination + (row * destinationStride), destinationStride, width, columns,
                    columns + TileColumns, out Vector256<float> sumA, out Vector256<float> sumB);
                for (uint leftOver = LeftOver(sumA, Lanes) | (LeftOver(sumB, Lanes) << Lanes); leftOver != 0; leftOver &= leftOver - 1)
                {
                    int r = row + BitOperations.TrailingZeroCount(leftOver);
                    Nn.Span.Softmax.RowCore<float>(logits.GetRowSpan(r), destination.GetRowSpan(r));
                }
            }

            for (; row < height; row += Lanes)
            {
                int rows = Math.Min(Lanes, height - row);
                Vector256<float> sum = SoftmaxTile(
                    first + (row * logitsStride), logitsStride, firstDestination + (row * destinationStride), destinationStride, rows, width, columns);
                for (uint leftOver = LeftOver(sum, rows); leftOver != 0; leftOver &= leftOver - 1)
                {
                    int r = row + BitOperations.TrailingZeroCount(leftOver);
                    Nn.Span.Softmax.RowCore<float>(logits.GetRowSpan(r), destination.GetRowSpan(r));
                }
            }
        }
    }

    /// <summary>
    /// destination = softmax(z) for one row, as a tile of one row (bitwise what <see cref="Softmax"/> gives the row);
    /// false, with nothing written, when the row holds NaN or +Inf or only -Inf. destination may be z.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TrySoftmax(ReadOnlySpan<float> z, Span<float> destination)
    {
        Vector256<float>* memory = stackalloc Vector256<float>[TileColumns + 2];
        Vector256<float>* columns = CacheLine.Align(memory);
        fixed (float* source = z)
        fixed (float* target = destination)
        {
            return LeftOver(SoftmaxTile(source, 0, target, 0, 1, z.Length, columns), 1) == 0;
        }
    }

    /// <summary>
    /// The softmax of one tile of <paramref name="rows"/> (1..8) rows: writes every row whose sum is a number and returns
    /// the rows' sums (NaN for the rows left to the general path).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> SoftmaxTile(
        float* source, nint sourceStride, float* destination, nint destinationStride, int rows, int width, Vector256<float>* columns)
    {
        LoadTile(source, sourceStride, rows, width, columns);

        // y_j = e_j * (1 / s)
        Vector256<float> sum = Exponentials(width, columns, out _);
        Vector256<float> inverse = Vector256<float>.One / sum;
        for (int j = 0; j < width; j++)
        {
            columns[j] *= inverse;
        }

        StoreTile(destination, destinationStride, rows, width, sum, columns);
        return sum;
    }

    /// <summary>
    /// <see cref="SoftmaxTile"/> for two full tiles, rows 0..7 (A) and 8..15 (B) from <paramref name="source"/>, their
    /// steps side by side (see <see cref="ExponentialsOfTwo"/>): bitwise the results of two calls.
    /// <paramref name="sumA"/> and <paramref name="sumB"/> receive the tiles' sums.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SoftmaxTilePair(
        float* source, nint sourceStride, float* destination, nint destinationStride, int width, Vector256<float>* a, Vector256<float>* b,
        out Vector256<float> sumA, out Vector256<float> sumB)
    {
        LoadTile(source, sourceStride, Lanes, width, a);
        LoadTile(source + (Lanes * sourceStride), sourceStride, Lanes, width, b);

        // y_j = e_j * (1 / s), for both tiles
        ExponentialsOfTwo(width, a, b, out sumA, out sumB);
        Vector256<float> inverseA = Vector256<float>.One / sumA;
        Vector256<float> inverseB = Vector256<float>.One / sumB;
        for (int j = 0; j < width; j++)
        {
            a[j] *= inverseA;
            b[j] *= inverseB;
        }

        StoreTile(destination, destinationStride, Lanes, width, sumA, a);
        StoreTile(destination + (Lanes * destinationStride), destinationStride, Lanes, width, sumB, b);
    }

    /// <summary>
    /// gradient = (softmax(z) - onehot(label)) * scale for every row; returns sum_n (logsumexp(z_n) - z[n, y_n]) * scale.
    /// gradient may be the logits. Shapes and labels are valid.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float LossAndGradient(ReadOnlySpan2D<float> logits, ReadOnlySpan<int> labels, float scale, Span2D<float> gradient)
    {
        int height = logits.Height;
        int width = logits.Width;
        nint logitsStride = MatrixMemory.RowStride(logits);
        nint gradientStride = MatrixMemory.RowStride((ReadOnlySpan2D<float>)gradient);

        // The tile, column by column: columns[j] holds column j of the tile's rows.
        // Aligned to a cache line, so that no vector of it straddles two lines: a load of a vector just stored is then
        // forwarded from the store.
        Vector256<float>* memory = stackalloc Vector256<float>[TileColumns + 2];
        Vector256<float>* columns = CacheLine.Align(memory);
        Vector256<float> scaled = Vector256.Create(scale);

        // loss_n = log(s_n) - t_n. Each term is scaled before it joins the total, so that the total stays finite whenever
        // the mean is; the logarithms are taken of products of the sums of up to 8 tiles (each sum lies in [1, 16], so a
        // product stays below 2^32), lane by lane.
        Vector256<float> total = Vector256<float>.Zero;
        Vector256<float> product = Vector256<float>.One;
        int tilesInProduct = 0;
        float generalPathLoss = 0;
        fixed (float* first = &logits.DangerousGetReference())
        fixed (float* firstGradient = &gradient.DangerousGetReference())
        fixed (int* firstLabel = labels)
        {
            for (int row = 0; row < height; row += Lanes)
            {
                int rows = Math.Min(Lanes, height - row);
                Vector256<float> sum = Tile(
                    first + (row * logitsStride), logitsStride, firstGradient + (row * gradientStride), gradientStride, firstLabel + row, rows, width, scaled, columns,
                    ref total, out Vector256<float> kept);

                // The tile's rows whose sum is a number join the product; the others go through the general path.
                product *= Vector256.ConditionalSelect(kept, sum, Vector256<float>.One);
                for (uint leftOver = LeftOver(sum, rows); leftOver != 0; leftOver &= leftOver - 1)
                {
                    int r = row + BitOperations.TrailingZeroCount(leftOver);
                    generalPathLoss += CrossEntropy.RowLossAndGradient(logits.GetRowSpan(r), labels[r], scale, gradient.GetRowSpan(r)) * scale;
                }

                if (++tilesInProduct == 8)
                {
                    total += LogOfLanes(product) * scaled;
                    product = Vector256<float>.One;
                    tilesInProduct = 0;
                }
            }
        }

        if (tilesInProduct > 0)
        {
            total += LogOfLanes(product) * scaled;
        }

        return Vector256.Sum(total) + generalPathLoss;
    }

    /// <summary>
    /// One tile of <paramref name="rows"/> (1..8) rows: writes the gradient of every row whose sum is a number, subtracts
    /// their t_n = z[n, y_n] - m_n, scaled, from <paramref name="total"/> lane by lane, and returns the rows' sums (NaN for
    /// the rows left to the general path; the lanes past the rows hold no row). <paramref name="kept"/> receives the lanes
    /// of the rows stored from the tile.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Tile(
        float* source, nint sourceStride, float* gradient, nint gradientStride, int* labels, int rows, int width, Vector256<float> scaled, Vector256<float>* columns,
        ref Vector256<float> total, out Vector256<float> kept)
    {
        Vector256<int> rowLanes = Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(rows));
        Vector256<int> label = Avx2.MaskLoad(labels, rowLanes);
        LoadTile(source, sourceStride, rows, width, columns);

        // t = z[., y] - m, picked out of the column equal to the label; e_j = e^(z_j - m), s = sum_j e_j
        Vector256<float> labelled = Vector256<float>.Zero;
        for (int j = 0; j < width; j++)
        {
            labelled = Vector256.ConditionalSelect(Vector256.Equals(label, Vector256.Create(j)).AsSingle(), columns[j], labelled);
        }

        Vector256<float> sum = Exponentials(width, columns, out Vector256<float> max);
        Vector256<float> shiftedLabel = labelled - max;

        // g_j = e_j * (scale / s) - scale [j == y]
        Vector256<float> factor = scaled / sum;
        for (int j = 0; j < width; j++)
        {
            columns[j] = (columns[j] * factor) - (scaled & Vector256.Equals(label, Vector256.Create(j)).AsSingle());
        }

        StoreTile(gradient, gradientStride, rows, width, sum, columns);
        kept = rowLanes.AsSingle() & Vector256.Equals(sum, sum);
        total -= (shiftedLabel * scaled) & kept;
        return sum;
    }

    /// <summary>
    /// m = max_j z_j and columns[j] = e_j = e^(z_j - m) for j &lt; <paramref name="width"/>, lane by lane; returns
    /// s = sum_j e_j (NaN in a lane whose row holds NaN or +Inf, or only -Inf).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Exponentials(int width, Vector256<float>* columns, out Vector256<float> max)
    {
        // m = max_j z[., j] (a NaN may be dropped here: its column's e_j is NaN all the same)
        max = columns[0];
        for (int j = 1; j < width; j++)
        {
            max = Avx.Max(max, columns[j]);
        }

        Vector256<float> sum = Vector256<float>.Zero;
        for (int j = 0; j < width; j++)
        {
            Vector256<float> e = FloatExponential.ExpOfNonPositive(columns[j] - max);
            columns[j] = e;
            sum += e;
        }

        return sum;
    }

    /// <summary>
    /// <see cref="Exponentials"/> for two tiles, A in <paramref name="a"/> and B in <paramref name="b"/>, column j of both
    /// in the same step; returns nothing but the sums. A tile's work is a chain (maximum, exponentials, sum, scaling) of
    /// more instructions than the core's reorder window holds, so one tile after another barely overlap; side by side,
    /// each step has two independent chains. On an AMD Zen 3 core (two builds interleaved in one process), the softmax of
    /// 256 x 10 ran 1.20-1.24x as fast this way. The fused loss's tiles ran 0.92-0.97x in pairs inlined into its method
    /// (already long, it grew past what the JIT kept in registers), and 1.06x with the pair in a method of its own: not
    /// enough for a second copy of its tile, so they run one at a time.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ExponentialsOfTwo(int width, Vector256<float>* a, Vector256<float>* b, out Vector256<float> sumA, out Vector256<float> sumB)
    {
        // m = max_j z[., j], for each tile
        Vector256<float> maxA = a[0];
        Vector256<float> maxB = b[0];
        for (int j = 1; j < width; j++)
        {
            maxA = Avx.Max(maxA, a[j]);
            maxB = Avx.Max(maxB, b[j]);
        }

        sumA = Vector256<float>.Zero;
        sumB = Vector256<float>.Zero;
        for (int j = 0; j < width; j++)
        {
            Vector256<float> ea = FloatExponential.ExpOfNonPositive(a[j] - maxA);
            Vector256<float> eb = FloatExponential.ExpOfNonPositive(b[j] - maxB);
            a[j] = ea;
            b[j] = eb;
            sumA += ea;
            sumB += eb;
        }
    }

    /// <summary>Bit r set for each of the tile's <paramref name="rows"/> rows whose sum is NaN: those left to the general path.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint LeftOver(Vector256<float> sum, int rows) =>
        ~Vector256.Equals(sum, sum).ExtractMostSignificantBits() & ((1u << rows) - 1);

    /// <summary>
    /// columns[j] = column j of the tile (lane r: element j of row r; lanes past <paramref name="rows"/> 0), for
    /// j &lt; <paramref name="width"/>. Reads only the rows' first <paramref name="width"/> elements.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void LoadTile(float* source, nint sourceStride, int rows, int width, Vector256<float>* columns)
    {
        Vector256<float> lowerMask = LaneMask.First256(width);
        Vector256<float> r0 = LoadPart(source, rows > 0, width, lowerMask);
        Vector256<float> r1 = LoadPart(source + sourceStride, rows > 1, width, lowerMask);
        Vector256<float> r2 = LoadPart(source + (2 * sourceStride), rows > 2, width, lowerMask);
        Vector256<float> r3 = LoadPart(source + (3 * sourceStride), rows > 3, width, lowerMask);
        Vector256<float> r4 = LoadPart(source + (4 * sourceStride), rows > 4, width, lowerMask);
        Vector256<float> r5 = LoadPart(source + (5 * sourceStride), rows > 5, width, lowerMask);
        Vector256<float> r6 = LoadPart(source + (6 * sourceStride), rows > 6, width, lowerMask);
        Vector256<float> r7 = LoadPart(source + (7 * sourceStride), rows > 7, width, lowerMask);
        TileTranspose256.Transpose(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        columns[0] = r0; columns[1] = r1; columns[2] = r2; columns[3] = r3;
        columns[4] = r4; columns[5] = r5; columns[6] = r6; columns[7] = r7;
        if (width <= Lanes)
        {
            return;
        }

        int upper = width - Lanes;
        if (upper == 2)
        {
            LoadPairColumns(source + Lanes, sourceStride, rows, columns + Lanes);
            return;
        }

        Vector256<float> upperMask = LaneMask.First256(upper);
        r0 = LoadPart(source + Lanes, rows > 0, upper, upperMask);
        r1 = LoadPart(source + sourceStride + Lanes, rows > 1, upper, upperMask);
        r2 = LoadPart(source + (2 * sourceStride) + Lanes, rows > 2, upper, upperMask);
        r3 = LoadPart(source + (3 * sourceStride) + Lanes, rows > 3, upper, upperMask);
        r4 = LoadPart(source + (4 * sourceStride) + Lanes, rows > 4, upper, upperMask);
        r5 = LoadPart(source + (5 * sourceStride) + Lanes, rows > 5, upper, upperMask);
        r6 = LoadPart(source + (6 * sourceStride) + Lanes, rows > 6, upper, upperMask);
        r7 = LoadPart(source + (7 * sourceStride) + Lanes, rows > 7, upper, upperMask);
        TileTranspose256.Transpose(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        columns[8] = r0; columns[9] = r1; columns[10] = r2; columns[11] = r3;
        columns[12] = r4; columns[13] = r5; columns[14] = r6; columns[15] = r7;
    }

    /// <summary>
    /// columns[0] and columns[1] = the two elements at each of the tile's rows (lane r: row r; lanes past
    /// <paramref name="rows"/> 0): row pairs gathered in 8-byte loads and split into their two columns by one shuffle each,
    /// in place of a transpose of eight columns for two.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadPairColumns(float* source, nint sourceStride, int rows, Vector256<float>* columns)
    {
        // pair(r) = (z[r, 0], z[r, 1]) as one 64-bit lane; missing rows 0.
        Vector128<double> p01 = Vector128.Create(PairOf(source, rows > 0), PairOf(source + sourceStride, rows > 1));
        Vector128<double> p23 = Vector128.Create(PairOf(source + (2 * sourceStride), rows > 2), PairOf(source + (3 * sourceStride), rows > 3));
        Vector128<double> p45 = Vector128.Create(PairOf(source + (4 * sourceStride), rows > 4), PairOf(source + (5 * sourceStride), rows > 5));
        Vector128<double> p67 = Vector128.Create(PairOf(source + (6 * sourceStride), rows > 6), PairOf(source + (7 * sourceStride), rows > 7));

        // low = (a0 b0 a1 b1 | a4 b4 a5 b5), high = (a2 b2 a3 b3 | a6 b6 a7 b7): then the even and odd elements.
        Vector256<float> low = Vector256.Create(p01, p45).AsSingle();
        Vector256<float> high = Vector256.Create(p23, p67).AsSingle();
        columns[0] = Avx.Shuffle(low, high, 0b10_00_10_00);
        columns[1] = Avx.Shuffle(low, high, 0b11_01_11_01);
    }

    /// <summary>The two floats at <paramref name="source"/> as one double's bits, or 0 for a row that does not exist.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double PairOf(float* source, bool exists) => exists ? *(double*)source : 0;

    /// <summary>Writes columns[0] and columns[1] back as the two elements of each row whose bit in <paramref name="stored"/> is set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePairColumns(float* destination, nint destinationStride, int stored, Vector256<float>* columns)
    {
        // low = (a0 b0 a1 b1 | a4 b4 a5 b5), high = (a2 b2 a3 b3 | a6 b6 a7 b7): row r's pair is one 64-bit lane.
        Vector256<double> low = Avx.UnpackLow(columns[0], columns[1]).AsDouble();
        Vector256<double> high = Avx.UnpackHigh(columns[0], columns[1]).AsDouble();
        if ((stored & 0x01) != 0) *(double*)destination = low.GetElement(0);
        if ((stored & 0x02) != 0) *(double*)(destination + destinationStride) = low.GetElement(1);
        if ((stored & 0x04) != 0) *(double*)(destination + (2 * destinationStride)) = high.GetElement(0);
        if ((stored & 0x08) != 0) *(double*)(destination + (3 * destinationStride)) = high.GetElement(1);
        if ((stored & 0x10) != 0) *(double*)(destination + (4 * destinationStride)) = low.GetElement(2);
        if ((stored & 0x20) != 0) *(double*)(destination + (5 * destinationStride)) = low.GetElement(3);
        if ((stored & 0x40) != 0) *(double*)(destination + (6 * destinationStride)) = high.GetElement(2);
        if ((stored & 0x80) != 0) *(double*)(destination + (7 * destinationStride)) = high.GetElement(3);
    }

    /// <summary>
    /// The first <paramref name="count"/> elements at <paramref name="source"/> (lanes past them 0), or zeros for a row
    /// that does not exist. A masked load reads nothing past them and never faults on the lanes it leaves out.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> LoadPart(float* source, bool exists, int count, Vector256<float> mask)
    {
        if (!exists)
        {
            return Vector256<float>.Zero;
        }

        return count >= Lanes ? Vector256.Load(source) : Avx.MaskLoad(source, mask);
    }

    /// <summary>
    /// Transposes the tile back and writes the first <paramref name="width"/> elements of each of its rows whose sum is
    /// a number; the others are left as they were.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreTile(float* gradient, nint gradientStride, int rows, int width, Vector256<float> sum, Vector256<float>* columns)
    {
        // Bit r set: row r is stored from the tile.
        int stored = (int)Vector256.Equals(sum, sum).ExtractMostSignificantBits() & ((1 << rows) - 1);
        StoreHalf(gradient, gradientStride, stored, Math.Min(width, Lanes), columns);
        if (width == Lanes + 2)
        {
            StorePairColumns(gradient + Lanes, gradientStride, stored, columns + Lanes);
        }
        else if (width > Lanes)
        {
            StoreHalf(gradient + Lanes, gradientStride, stored, width - Lanes, columns + Lanes);
        }
    }

    /// <summary>Eight columns transposed back into rows; row r's first <paramref name="count"/> elements written when bit r of <paramref name="stored"/> is set.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void StoreHalf(float* gradient, nint gradientStride, int stored, int count, Vector256<float>* columns)
    {
        Vector256<float> r0 = columns[0], r1 = columns[1], r2 = columns[2], r3 = columns[3];
        Vector256<float> r4 = columns[4], r5 = columns[5], r6 = columns[6], r7 = columns[7];
        TileTranspose256.Transpose(ref r0, ref r1, ref r2, ref r3, ref r4, ref r5, ref r6, ref r7);
        if ((stored & 0x01) != 0) VectorPieces.StoreFirst(gradient, r0, count);
        if ((stored & 0x02) != 0) VectorPieces.StoreFirst(gradient + gradientStride, r1, count);
        if ((stored & 0x04) != 0) VectorPieces.StoreFirst(gradient + (2 * gradientStride), r2, count);
        if ((stored & 0x08) != 0) VectorPieces.StoreFirst(gradient + (3 * gradientStride), r3, count);
        if ((stored & 0x10) != 0) VectorPieces.StoreFirst(gradient + (4 * gradientStride), r4, count);
        if ((stored & 0x20) != 0) VectorPieces.StoreFirst(gradient + (5 * gradientStride), r5, count);
        if ((stored & 0x40) != 0) VectorPieces.StoreFirst(gradient + (6 * gradientStride), r6, count);
        if ((stored & 0x80) != 0) VectorPieces.StoreFirst(gradient + (7 * gradientStride), r7, count);
    }

    /// <summary>
    /// ln of every lane (one per eight tiles), as the AVX-512 tiles take it (<see cref="ShortRowTiles.LogOfLanes"/>): the
    /// runtime's vector logarithm, compiled fully optimised at once. Its lanes are products of row sums, each in [1, 16].
    /// Eight MathF.Log calls had taken 3% of the seed step's samples; the vector logarithm takes 2.2% (AMD Zen 3).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    internal static Vector256<float> LogOfLanes(Vector256<float> x) => Vector256.Log(x);
}
