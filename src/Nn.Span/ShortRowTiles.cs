using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using CommunityToolkit.HighPerformance;
using static Nn.Span.ColumnCounts;

namespace Nn.Span;

/// <summary>
/// Softmax and the fused loss for float rows of at most 16 logits (e.g. Dy = 10 classes), sixteen rows at a time;
/// the rows it takes are those <see cref="ShortRowSoftmax.Applies"/> accepts.
/// The rows of a tile are transposed as they are loaded, so that vector j holds logit j of all sixteen rows (lane r is
/// row r). The maximum, e^(z - max), the sum and the scaling then run lane-wise down the Dy columns: every lane works,
/// no row needs an in-register reduction, and the sixteen rows' dependency chains run side by side. The tile is
/// transposed back as it is stored. A tile is read whole before any of it is written, so the destination may be the
/// logits; a tile holding NaN or +Inf (or a row of -Inf) goes row by row through the general path, which gives those
/// rows their limits. The last tile may hold fewer than sixteen rows; when it holds only a few (fewer than
/// <see cref="SoftmaxMinimumTileRows"/> or <see cref="LossMinimumTileRows"/>), they go one by one, each in one vector,
/// which then costs less than a tile.
/// Both keep their tile in sixteen registers from load to store. On an AMD Zen 5 core the softmax of 256 x 10 took
/// 0.88 us this way, against 1.16 us with the tile in stack memory. On an Intel Xeon (Sapphire Rapids class) the fused
/// loss ran 1.23x faster this way for 20 x 10 and 1.13x for 256 x 10. (On the AMD core, the seed network's whole step
/// had measured slightly slower with the loss's tile in registers: 754 ns against 690.)
/// Each row width from 1 to 16 has a tile of its own (<see cref="IColumnCount"/>), compiled with the width as a constant:
/// the columns past the width then cost neither a test nor an instruction (no additions of zero to the row sums, no
/// scaling of zero columns). On an Intel Xeon (Sapphire Rapids class) this made the softmax of 256 x 10 about 1.07x
/// as fast and the fused loss of 64 x 10 and 256 x 10 in place 1.14x and 1.09x.
/// The transposes go through 128-bit quads where they can (<see cref="LoadColumnQuads"/>, <see cref="StoreColumnQuads"/>):
/// a full 16 x 16 transpose is 64 shuffles, all on the one vector port that shuffles on Intel cores, and two of them
/// cost about as much as the arithmetic of the tile. In quads, ten columns take 24 shuffles in and 24 out; the rest is
/// 128-bit loads and inserts from memory, and masked stores.
/// </summary>
[SkipLocalsInit]
internal static unsafe class ShortRowTiles
{
    /// <summary>Rows per tile: one per lane.</summary>
    private const int TileRows = 16;

    /// <summary>
    /// The fewest rows the softmax runs as a tile; a last tile of fewer goes row by row, each in one vector
    /// (<see cref="ShortRowSoftmax"/>). A tile costs about the same whatever its rows: on an Intel Xeon (Sapphire Rapids
    /// class), rows of 10 went 1.43x faster one by one for 4 rows, 1.12x for 5, and 0.83x for 6.
    /// </summary>
    private const int SoftmaxMinimumTileRows = 6;

    /// <summary>
    /// The fewest rows the fused loss runs as a tile (each row also takes a logarithm of its own). In place, as the
    /// network calls it: 1.64x faster one by one for 1 row, 1.17x for 3 rows, 0.96x for 4.
    /// </summary>
    private const int LossMinimumTileRows = 4;

    /// <summary>destination = softmax of every row; destination may be the logits.</summary>
    public static void Softmax(ReadOnlySpan2D<float> logits, Span2D<float> destination)
    {
        switch (logits.Width)
        {
            case 1: Softmax<One>(logits, destination); break;
            case 2: Softmax<Two>(logits, destination); break;
            case 3: Softmax<Three>(logits, destination); break;
            case 4: Softmax<Four>(logits, destination); break;
            case 5: Softmax<Five>(logits, destination); break;
            case 6: Softmax<Six>(logits, destination); break;
            case 7: Softmax<Seven>(logits, destination); break;
            case 8: Softmax<Eight>(logits, destination); break;
            case 9: Softmax<Nine>(logits, destination); break;
            case 10: Softmax<Ten>(logits, destination); break;
            case 11: Softmax<Eleven>(logits, destination); break;
            case 12: Softmax<Twelve>(logits, destination); break;
            case 13: Softmax<Thirteen>(logits, destination); break;
            case 14: Softmax<Fourteen>(logits, destination); break;
            case 15: Softmax<Fifteen>(logits, destination); break;
            default: Softmax<Sixteen>(logits, destination); break;
        }
    }

    /// <summary><see cref="Softmax(ReadOnlySpan2D{float}, Span2D{float})"/> for rows of <typeparamref name="TWidth"/> logits.</summary>
    private static void Softmax<TWidth>(ReadOnlySpan2D<float> logits, Span2D<float> destination)
        where TWidth : struct, IColumnCount
    {
        int height = logits.Height;
        int width = TWidth.Value;
        nint logitsStride = MatrixMemory.RowStride(logits);
        nint destinationStride = MatrixMemory.RowStride((ReadOnlySpan2D<float>)destination);
        Vector512<float> lanes = ShortRowSoftmax.LaneMask(width);
        fixed (float* first = &logits.DangerousGetReference())
        fixed (float* firstDestination = &destination.DangerousGetReference())
        {
            for (int row = 0; row < height; row += TileRows)
            {
                int rows = Math.Min(TileRows, height - row);
                if (rows < SoftmaxMinimumTileRows || !SoftmaxTile<TWidth>(
                    first + (row * logitsStride), logitsStride, firstDestination + (row * destinationStride), destinationStride, rows, lanes,
                    QuadsReadable(row, height, logitsStride, width)))
                {
                    SoftmaxRows(logits, destination, row, rows, lanes);
                }
            }
        }
    }

    /// <summary>
    /// The softmax of one tile of rows, held in sixteen registers from load to store: returns false, having written
    /// nothing, when a row's sum is NaN (a NaN or +Inf logit, or a row of -Inf), for the general path to take the tile.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool SoftmaxTile<TWidth>(
        float* source, nint sourceStride, float* destination, nint destinationStride, int rows, Vector512<float> lanes, bool quadsReadable)
        where TWidth : struct, IColumnCount
    {
        int width = TWidth.Value;
        // Column j of all rows in t_j.
        LoadTile(
            source, sourceStride, rows, width, lanes, quadsReadable, out Vector512<float> t0, out Vector512<float> t1, out Vector512<float> t2, out Vector512<float> t3,
            out Vector512<float> t4, out Vector512<float> t5, out Vector512<float> t6, out Vector512<float> t7, out Vector512<float> t8, out Vector512<float> t9,
            out Vector512<float> t10, out Vector512<float> t11, out Vector512<float> t12, out Vector512<float> t13, out Vector512<float> t14, out Vector512<float> t15);

        // m = max_j z[., j]
        Vector512<float> max = ColumnMax(width, t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15);

        // e_j = e^(z_j - m) for the columns that exist (the others stay 0); s = sum_j e_j
        t0 = FloatExponential.ExpOfNonPositive(t0 - max);
        if (width > 1) t1 = FloatExponential.ExpOfNonPositive(t1 - max);
        if (width > 2) t2 = FloatExponential.ExpOfNonPositive(t2 - max);
        if (width > 3) t3 = FloatExponential.ExpOfNonPositive(t3 - max);
        if (width > 4) t4 = FloatExponential.ExpOfNonPositive(t4 - max);
        if (width > 5) t5 = FloatExponential.ExpOfNonPositive(t5 - max);
        if (width > 6) t6 = FloatExponential.ExpOfNonPositive(t6 - max);
        if (width > 7) t7 = FloatExponential.ExpOfNonPositive(t7 - max);
        if (width > 8) t8 = FloatExponential.ExpOfNonPositive(t8 - max);
        if (width > 9) t9 = FloatExponential.ExpOfNonPositive(t9 - max);
        if (width > 10) t10 = FloatExponential.ExpOfNonPositive(t10 - max);
        if (width > 11) t11 = FloatExponential.ExpOfNonPositive(t11 - max);
        if (width > 12) t12 = FloatExponential.ExpOfNonPositive(t12 - max);
        if (width > 13) t13 = FloatExponential.ExpOfNonPositive(t13 - max);
        if (width > 14) t14 = FloatExponential.ExpOfNonPositive(t14 - max);
        if (width > 15) t15 = FloatExponential.ExpOfNonPositive(t15 - max);
        Vector512<float> sum = RowSums(width, t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15);
        if (!Vector512.EqualsAll(sum, sum))
        {
            return false;
        }

        // y_j = e_j / s
        Vector512<float> inverse = Vector512<float>.One / sum;
        t0 *= inverse;
        if (width > 1) t1 *= inverse;
        if (width > 2) t2 *= inverse;
        if (width > 3) t3 *= inverse;
        if (width > 4) t4 *= inverse;
        if (width > 5) t5 *= inverse;
        if (width > 6) t6 *= inverse;
        if (width > 7) t7 *= inverse;
        if (width > 8) t8 *= inverse;
        if (width > 9) t9 *= inverse;
        if (width > 10) t10 *= inverse;
        if (width > 11) t11 *= inverse;
        if (width > 12) t12 *= inverse;
        if (width > 13) t13 *= inverse;
        if (width > 14) t14 *= inverse;
        if (width > 15) t15 *= inverse;
        StoreTile(destination, destinationStride, rows, width, lanes, t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15);
        return true;
    }

    /// <summary>
    /// gradient = (softmax(z) - onehot(label)) * scale for every row; returns the mean loss
    /// sum_n (log(s_n) - (z[n, y_n] - m_n)) * scale. gradient may be the logits. Labels are valid.
    /// </summary>
    public static float LossAndGradient(ReadOnlySpan2D<float> logits, ReadOnlySpan<int> labels, float scale, Span2D<float> gradient) =>
        logits.Width switch
        {
            1 => LossAndGradient<One>(logits, labels, scale, gradient),
            2 => LossAndGradient<Two>(logits, labels, scale, gradient),
            3 => LossAndGradient<Three>(logits, labels, scale, gradient),
            4 => LossAndGradient<Four>(logits, labels, scale, gradient),
            5 => LossAndGradient<Five>(logits, labels, scale, gradient),
            6 => LossAndGradient<Six>(logits, labels, scale, gradient),
            7 => LossAndGradient<Seven>(logits, labels, scale, gradient),
            8 => LossAndGradient<Eight>(logits, labels, scale, gradient),
            9 => LossAndGradient<Nine>(logits, labels, scale, gradient),
            10 => LossAndGradient<Ten>(logits, labels, scale, gradient),
            11 => LossAndGradient<Eleven>(logits, labels, scale, gradient),
            12 => LossAndGradient<Twelve>(logits, labels, scale, gradient),
            13 => LossAndGradient<Thirteen>(logits, labels, scale, gradient),
            14 => LossAndGradient<Fourteen>(logits, labels, scale, gradient),
            15 => LossAndGradient<Fifteen>(logits, labels, scale, gradient),
            _ => LossAndGradient<Sixteen>(logits, labels, scale, gradient),
        };

    /// <summary>
    /// <see cref="LossAndGradient(ReadOnlySpan2D{float}, ReadOnlySpan{int}, float, Span2D{float})"/> for rows of
    /// <typeparamref name="TWidth"/> logits.
    /// </summary>
    private static float LossAndGradient<TWidth>(ReadOnlySpan2D<float> logits, ReadOnlySpan<int> labels, float scale, Span2D<float> gradient)
        where TWidth : struct, IColumnCount
    {
        int height = logits.Height;
        int width = TWidth.Value;
        nint logitsStride = MatrixMemory.RowStride(logits);
        nint gradientStride = MatrixMemory.RowStride((ReadOnlySpan2D<float>)gradient);
        Vector512<float> lanes = ShortRowSoftmax.LaneMask(width);
        Vector512<float> scaled = Vector512.Create(scale);

        // loss_n = log(s_n) - t_n. Each term is scaled by 1/N before it joins the total, so that the total stays finite
        // whenever the mean is; the logarithms are taken lane-wise of products of the sums of up to 8 tiles (each sum
        // lies in [1, 16], so a product stays below 2^32).
        Vector512<float> total = Vector512<float>.Zero;
        Vector512<float> product = Vector512<float>.One;
        int tilesInProduct = 0;
        float generalPathLoss = 0;
        fixed (float* first = &logits.DangerousGetReference())
        fixed (float* firstGradient = &gradient.DangerousGetReference())
        fixed (int* firstLabel = labels)
        {
            for (int row = 0; row < height; row += TileRows)
            {
                int rows = Math.Min(TileRows, height - row);
                if (rows < LossMinimumTileRows || !LossTile<TWidth>(
                    first + (row * logitsStride), logitsStride, firstGradient + (row * gradientStride), gradientStride, firstLabel + row, rows, lanes,
                    QuadsReadable(row, height, logitsStride, width), scaled, ref total, ref product))
                {
                    generalPathLoss += LossRows(logits, labels, scale, gradient, row, rows, lanes);
                    continue;
                }

                if (++tilesInProduct == 8)
                {
                    total += LogOfLanes(product) * scaled;
                    product = Vector512<float>.One;
                    tilesInProduct = 0;
                }
            }
        }

        if (tilesInProduct > 0)
        {
            total += LogOfLanes(product) * scaled;
        }

        return Vector512.Sum(total) + generalPathLoss;
    }

    /// <summary>
    /// ln of every lane. Vector512.Log, compiled on its own and fully optimised at once: inlined into the loss, whose
    /// method is compiled in tiers, it left a call to an unoptimised scalar helper on the steady-state path.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization | MethodImplOptions.NoInlining)]
    internal static Vector512<float> LogOfLanes(Vector512<float> x) => Vector512.Log(x);

    /// <summary>
    /// The loss and gradient of one tile of rows, held in sixteen registers from load to store: adds the tile's
    /// -(z[n, y_n] - m_n) * scale to <paramref name="total"/> lane by lane and multiplies its row sums into
    /// <paramref name="product"/>. Returns false, having written nothing, when a row's sum is NaN (a NaN or +Inf logit,
    /// or a row of -Inf), for the general path to take the tile.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool LossTile<TWidth>(
        float* source, nint sourceStride, float* gradient, nint gradientStride, int* labels, int rows, Vector512<float> lanes, bool quadsReadable,
        Vector512<float> scaled, ref Vector512<float> total, ref Vector512<float> product)
        where TWidth : struct, IColumnCount
    {
        int width = TWidth.Value;
        LoadTile(
            source, sourceStride, rows, width, lanes, quadsReadable, out Vector512<float> t0, out Vector512<float> t1, out Vector512<float> t2, out Vector512<float> t3,
            out Vector512<float> t4, out Vector512<float> t5, out Vector512<float> t6, out Vector512<float> t7, out Vector512<float> t8, out Vector512<float> t9,
            out Vector512<float> t10, out Vector512<float> t11, out Vector512<float> t12, out Vector512<float> t13, out Vector512<float> t14, out Vector512<float> t15);
        Vector512<int> rowLanes = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(rows));
        Vector512<int> label = Avx512F.MaskLoad(labels, rowLanes, Vector512<int>.Zero);

        // m = max_j z[., j]
        Vector512<float> max = ColumnMax(width, t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15);

        // e_j = e^(z_j - m), s = sum_j e_j, and t = z[., y] - m picked out of the column equal to the label
        Vector512<float> shiftedLabel = Vector512<float>.Zero;
        t0 = ShiftedExponential(t0, max, label, 0, ref shiftedLabel);
        if (width > 1) t1 = ShiftedExponential(t1, max, label, 1, ref shiftedLabel);
        if (width > 2) t2 = ShiftedExponential(t2, max, label, 2, ref shiftedLabel);
        if (width > 3) t3 = ShiftedExponential(t3, max, label, 3, ref shiftedLabel);
        if (width > 4) t4 = ShiftedExponential(t4, max, label, 4, ref shiftedLabel);
        if (width > 5) t5 = ShiftedExponential(t5, max, label, 5, ref shiftedLabel);
        if (width > 6) t6 = ShiftedExponential(t6, max, label, 6, ref shiftedLabel);
        if (width > 7) t7 = ShiftedExponential(t7, max, label, 7, ref shiftedLabel);
        if (width > 8) t8 = ShiftedExponential(t8, max, label, 8, ref shiftedLabel);
        if (width > 9) t9 = ShiftedExponential(t9, max, label, 9, ref shiftedLabel);
        if (width > 10) t10 = ShiftedExponential(t10, max, label, 10, ref shiftedLabel);
        if (width > 11) t11 = ShiftedExponential(t11, max, label, 11, ref shiftedLabel);
        if (width > 12) t12 = ShiftedExponential(t12, max, label, 12, ref shiftedLabel);
        if (width > 13) t13 = ShiftedExponential(t13, max, label, 13, ref shiftedLabel);
        if (width > 14) t14 = ShiftedExponential(t14, max, label, 14, ref shiftedLabel);
        if (width > 15) t15 = ShiftedExponential(t15, max, label, 15, ref shiftedLabel);
        Vector512<float> sum = RowSums(width, t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15);
        if (!Vector512.EqualsAll(sum, sum))
        {
            return false;
        }

        // g_j = e_j * (scale / s) - scale [j == y]
        Vector512<float> factor = scaled / sum;
        t0 = Gradient(t0, factor, label, 0, scaled);
        if (width > 1) t1 = Gradient(t1, factor, label, 1, scaled);
        if (width > 2) t2 = Gradient(t2, factor, label, 2, scaled);
        if (width > 3) t3 = Gradient(t3, factor, label, 3, scaled);
        if (width > 4) t4 = Gradient(t4, factor, label, 4, scaled);
        if (width > 5) t5 = Gradient(t5, factor, label, 5, scaled);
        if (width > 6) t6 = Gradient(t6, factor, label, 6, scaled);
        if (width > 7) t7 = Gradient(t7, factor, label, 7, scaled);
        if (width > 8) t8 = Gradient(t8, factor, label, 8, scaled);
        if (width > 9) t9 = Gradient(t9, factor, label, 9, scaled);
        if (width > 10) t10 = Gradient(t10, factor, label, 10, scaled);
        if (width > 11) t11 = Gradient(t11, factor, label, 11, scaled);
        if (width > 12) t12 = Gradient(t12, factor, label, 12, scaled);
        if (width > 13) t13 = Gradient(t13, factor, label, 13, scaled);
        if (width > 14) t14 = Gradient(t14, factor, label, 14, scaled);
        if (width > 15) t15 = Gradient(t15, factor, label, 15, scaled);
        StoreTile(gradient, gradientStride, rows, width, lanes, t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15);

        // the tile's rows only: the lanes past them hold no row
        total -= (shiftedLabel * scaled) & rowLanes.AsSingle();
        product *= Vector512.ConditionalSelect(rowLanes.AsSingle(), sum, Vector512<float>.One);
        return true;
    }

    /// <summary>e^(z_j - m) for column <paramref name="column"/>; takes z_j - m into <paramref name="shiftedLabel"/> where the label is j.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ShiftedExponential(Vector512<float> z, Vector512<float> max, Vector512<int> label, int column, ref Vector512<float> shiftedLabel)
    {
        Vector512<float> shifted = z - max;
        shiftedLabel = Vector512.ConditionalSelect(Vector512.Equals(label, Vector512.Create(column)).AsSingle(), shifted, shiftedLabel);
        return FloatExponential.ExpOfNonPositive(shifted);
    }

    /// <summary>g_j = e_j * factor - scale [j == y] for column <paramref name="column"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Gradient(Vector512<float> e, Vector512<float> factor, Vector512<int> label, int column, Vector512<float> scaled)
    {
        // The subtraction under the label's mask: one compare into a mask register and a masked subtract.
        Vector512<float> g = e * factor;
        return Vector512.ConditionalSelect(Vector512.Equals(label, Vector512.Create(column)).AsSingle(), g - scaled, g);
    }

    /// <summary>
    /// The softmax of rows <paramref name="row"/> .. <paramref name="row"/> + <paramref name="rows"/> - 1 (at most a tile)
    /// one by one, each in one vector (<see cref="ShortRowSoftmax.TrySoftmax(Vector512{float}, Vector512{float}, float*)"/>,
    /// the same arithmetic as a tile, so that a row comes out bitwise equal whatever its neighbours hold), or through the
    /// general path when the row itself holds NaN or +Inf. Every row is read before any is written (<see cref="LoadRows"/>).
    /// </summary>
    private static void SoftmaxRows(ReadOnlySpan2D<float> logits, Span2D<float> destination, int row, int rows, Vector512<float> lanes)
    {
        Vector512<float>* memory = stackalloc Vector512<float>[TileRows + 1];
        Vector512<float>* loaded = CacheLine.Align(memory);
        LoadRows(logits, row, rows, lanes, loaded);
        for (int r = 0; r < rows; r++)
        {
            Span<float> destinationRow = destination.GetRowSpan(row + r);
            fixed (float* y = destinationRow)
            {
                if (ShortRowSoftmax.TrySoftmax(loaded[r], lanes, y))
                {
                    continue;
                }
            }

            Nn.Span.Softmax.RowCore<float>(logits.GetRowSpan(row + r), destinationRow);
        }
    }

    /// <summary>
    /// The loss and gradient of rows <paramref name="row"/> .. <paramref name="row"/> + <paramref name="rows"/> - 1 one by
    /// one, each in one vector (<see cref="ShortRowSoftmax.TryLossAndGradient"/>), or through the general path when the
    /// row itself holds NaN or +Inf; every row is read before any is written (<see cref="LoadRows"/>). Returns the sum of
    /// the rows' losses times scale.
    /// </summary>
    private static float LossRows(ReadOnlySpan2D<float> logits, ReadOnlySpan<int> labels, float scale, Span2D<float> gradient, int row, int rows, Vector512<float> lanes)
    {
        Vector512<float>* memory = stackalloc Vector512<float>[TileRows + 1];
        Vector512<float>* loaded = CacheLine.Align(memory);
        LoadRows(logits, row, rows, lanes, loaded);
        float loss = 0;
        for (int r = 0; r < rows; r++)
        {
            int label = labels[row + r];
            Span<float> gradientRow = gradient.GetRowSpan(row + r);
            fixed (float* g = gradientRow)
            {
                float sum = ShortRowSoftmax.TryLossAndGradient(loaded[r], lanes, label, scale, g, out float shiftedLabel);
                if (sum != 0)
                {
                    loss += (MathF.Log(sum) - shiftedLabel) * scale;
                    continue;
                }
            }

            loss += CrossEntropy.RowLossAndGradient(logits.GetRowSpan(row + r), label, scale, gradientRow) * scale;
        }

        return loss;
    }

    /// <summary>
    /// Reads rows <paramref name="row"/> .. <paramref name="row"/> + <paramref name="rows"/> - 1 into
    /// <paramref name="loaded"/> (<see cref="ShortRowSoftmax.LoadRow"/>), before the caller writes any of them. In place,
    /// the masked 64-byte store of a row shorter than 16 floats spans the start of the next row, and a read that
    /// overlaps a masked store waits until the store reaches the cache: reading each row just after storing the one
    /// before made a fused loss of 20 x 10 in place 1.4x slower.
    /// </summary>
    private static void LoadRows(ReadOnlySpan2D<float> logits, int row, int rows, Vector512<float> lanes, Vector512<float>* loaded)
    {
        fixed (float* first = &logits.DangerousGetReference())
        {
            nint stride = MatrixMemory.RowStride(logits);
            for (int r = 0; r < rows; r++)
            {
                loaded[r] = ShortRowSoftmax.LoadRow(first + ((row + r) * stride), lanes);
            }
        }
    }

    /// <summary>
    /// Lane r = sum_j t_j[r] over the first <paramref name="width"/> columns, added in the order of
    /// <see cref="ShortRowSoftmax"/>'s in-register reduction of one row (lane i with lane i + 8, then + 4, + 2, + 1), so
    /// that a row's softmax is bitwise the same in a tile and alone. That reduction adds the 0 of the lanes past the row;
    /// the terms are non-negative, and x + 0 = x exactly, so the additions of columns past the width are left out.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> RowSums(
        int width, Vector512<float> t0, Vector512<float> t1, Vector512<float> t2, Vector512<float> t3, Vector512<float> t4, Vector512<float> t5,
        Vector512<float> t6, Vector512<float> t7, Vector512<float> t8, Vector512<float> t9, Vector512<float> t10, Vector512<float> t11,
        Vector512<float> t12, Vector512<float> t13, Vector512<float> t14, Vector512<float> t15)
    {
        // s_i = (t_i + t_(i+8)) + (t_(i+4) + t_(i+12)); sum = (s_0 + s_2) + (s_1 + s_3)
        Vector512<float> s0 = PartSum(width, 0, t0, t4, t8, t12);
        if (width <= 1)
        {
            return s0;
        }

        Vector512<float> s1 = PartSum(width, 1, t1, t5, t9, t13);
        Vector512<float> even = width > 2 ? s0 + PartSum(width, 2, t2, t6, t10, t14) : s0;
        Vector512<float> odd = width > 3 ? s1 + PartSum(width, 3, t3, t7, t11, t15) : s1;
        return even + odd;
    }

    /// <summary>(t_i + t_(i+8)) + (t_(i+4) + t_(i+12)) for column <paramref name="i"/> &lt; <paramref name="width"/>, without the columns past the width.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> PartSum(int width, int i, Vector512<float> ti, Vector512<float> ti4, Vector512<float> ti8, Vector512<float> ti12)
    {
        Vector512<float> low = width > i + 8 ? ti + ti8 : ti;
        if (width <= i + 4)
        {
            return low;
        }

        return low + (width > i + 12 ? ti4 + ti12 : ti4);
    }

    /// <summary>
    /// Column j of the tile's rows in t_j, zero past the width and in the lanes past <paramref name="rows"/>: read in
    /// quads (<see cref="LoadColumnQuads"/>) when <paramref name="quadsReadable"/>, else row by row with masked loads
    /// and a full transpose (<see cref="LoadTileByRows"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void LoadTile(
        float* source, nint stride, int rows, int width, Vector512<float> lanes, bool quadsReadable,
        out Vector512<float> t0, out Vector512<float> t1, out Vector512<float> t2, out Vector512<float> t3, out Vector512<float> t4,
        out Vector512<float> t5, out Vector512<float> t6, out Vector512<float> t7, out Vector512<float> t8, out Vector512<float> t9,
        out Vector512<float> t10, out Vector512<float> t11, out Vector512<float> t12, out Vector512<float> t13, out Vector512<float> t14,
        out Vector512<float> t15)
    {
        if (!quadsReadable)
        {
            LoadTileByRows(
                source, stride, rows, lanes, out t0, out t1, out t2, out t3, out t4, out t5, out t6, out t7, out t8, out t9, out t10, out t11,
                out t12, out t13, out t14, out t15);
            return;
        }

        Vector512<float> zero = Vector512<float>.Zero;
        LoadColumnQuads(source, stride, out t0, out t1, out t2, out t3);
        t4 = t5 = t6 = t7 = t8 = t9 = t10 = t11 = t12 = t13 = t14 = t15 = zero;
        if (width > 4) LoadColumnQuads(source + 4, stride, out t4, out t5, out t6, out t7);
        if (width > 8) LoadColumnQuads(source + 8, stride, out t8, out t9, out t10, out t11);
        if (width > 12) LoadColumnQuads(source + 12, stride, out t12, out t13, out t14, out t15);

        // The quads read past the rows' ends; those columns must hold 0 (the row sums take all sixteen).
        if (width <= 1) t1 = zero;
        if (width <= 2) t2 = zero;
        if (width <= 3) t3 = zero;
        if (width <= 4) t4 = zero;
        if (width <= 5) t5 = zero;
        if (width <= 6) t6 = zero;
        if (width <= 7) t7 = zero;
        if (width <= 8) t8 = zero;
        if (width <= 9) t9 = zero;
        if (width <= 10) t10 = zero;
        if (width <= 11) t11 = zero;
        if (width <= 12) t12 = zero;
        if (width <= 13) t13 = zero;
        if (width <= 14) t14 = zero;
        if (width <= 15) t15 = zero;
    }

    /// <summary>
    /// Columns c .. c + 3 of sixteen rows, from quads: lane R of u_i holds row 4R + i's floats c .. c + 3 (one 128-bit
    /// load and three 128-bit inserts from memory), and a 4 x 4 transpose inside each 128-bit lane (eight shuffles)
    /// turns u_0 .. u_3 into the four columns, rows in order. A full 16 x 16 transpose takes sixteen shuffles per four
    /// columns. Reads the four floats at c .. c + 3 of every row, past the row's end for the last quad of a row whose
    /// width is not a multiple of four: the caller makes sure those floats lie in the matrix.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadColumnQuads(
        float* first, nint stride, out Vector512<float> column0, out Vector512<float> column1, out Vector512<float> column2, out Vector512<float> column3)
    {
        nint stride4 = 4 * stride;
        Vector512<float> u0 = LoadQuads(first, stride4);
        Vector512<float> u1 = LoadQuads(first + stride, stride4);
        Vector512<float> u2 = LoadQuads(first + (2 * stride), stride4);
        Vector512<float> u3 = LoadQuads(first + (3 * stride), stride4);

        // lane R of a0 = (z[4R, c], z[4R + 1, c], z[4R, c + 1], z[4R + 1, c + 1]), a1 the same for c + 2 and c + 3, a2 and
        // a3 for rows 4R + 2 and 4R + 3; column c + k then takes 64-bit halves of a pair of them.
        Vector512<float> a0 = Avx512F.UnpackLow(u0, u1), a1 = Avx512F.UnpackHigh(u0, u1);
        Vector512<float> a2 = Avx512F.UnpackLow(u2, u3), a3 = Avx512F.UnpackHigh(u2, u3);
        column0 = TileTranspose.PairLow(a0, a2);
        column1 = TileTranspose.PairHigh(a0, a2);
        column2 = TileTranspose.PairLow(a1, a3);
        column3 = TileTranspose.PairHigh(a1, a3);
    }

    /// <summary>Lane R = the four floats at <paramref name="first"/> + R <paramref name="stride4"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> LoadQuads(float* first, nint stride4)
    {
        Vector512<float> quads = Vector128.Load(first).ToVector256Unsafe().ToVector512Unsafe();
        quads = Avx512F.InsertVector128(quads, Vector128.Load(first + stride4), 1);
        quads = Avx512F.InsertVector128(quads, Vector128.Load(first + (2 * stride4)), 2);
        return Avx512F.InsertVector128(quads, Vector128.Load(first + (3 * stride4)), 3);
    }

    /// <summary>
    /// Loads <paramref name="rows"/> rows (lanes under <paramref name="lanes"/>, zero elsewhere and in the rows past
    /// them) one masked load each, and transposes them with a full 16 x 16 transpose: column j of the rows ends up in
    /// t_j. Never reads past a row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadTileByRows(
        float* source, nint stride, int rows, Vector512<float> lanes,
        out Vector512<float> t0, out Vector512<float> t1, out Vector512<float> t2, out Vector512<float> t3, out Vector512<float> t4, out Vector512<float> t5,
        out Vector512<float> t6, out Vector512<float> t7, out Vector512<float> t8, out Vector512<float> t9, out Vector512<float> t10, out Vector512<float> t11,
        out Vector512<float> t12, out Vector512<float> t13, out Vector512<float> t14, out Vector512<float> t15)
    {
        Vector512<float> zero = Vector512<float>.Zero;
        t0 = Avx512F.MaskLoad(source, lanes, zero);
        t1 = rows > 1 ? Avx512F.MaskLoad(source + stride, lanes, zero) : zero;
        t2 = rows > 2 ? Avx512F.MaskLoad(source + (2 * stride), lanes, zero) : zero;
        t3 = rows > 3 ? Avx512F.MaskLoad(source + (3 * stride), lanes, zero) : zero;
        t4 = rows > 4 ? Avx512F.MaskLoad(source + (4 * stride), lanes, zero) : zero;
        t5 = rows > 5 ? Avx512F.MaskLoad(source + (5 * stride), lanes, zero) : zero;
        t6 = rows > 6 ? Avx512F.MaskLoad(source + (6 * stride), lanes, zero) : zero;
        t7 = rows > 7 ? Avx512F.MaskLoad(source + (7 * stride), lanes, zero) : zero;
        t8 = rows > 8 ? Avx512F.MaskLoad(source + (8 * stride), lanes, zero) : zero;
        t9 = rows > 9 ? Avx512F.MaskLoad(source + (9 * stride), lanes, zero) : zero;
        t10 = rows > 10 ? Avx512F.MaskLoad(source + (10 * stride), lanes, zero) : zero;
        t11 = rows > 11 ? Avx512F.MaskLoad(source + (11 * stride), lanes, zero) : zero;
        t12 = rows > 12 ? Avx512F.MaskLoad(source + (12 * stride), lanes, zero) : zero;
        t13 = rows > 13 ? Avx512F.MaskLoad(source + (13 * stride), lanes, zero) : zero;
        t14 = rows > 14 ? Avx512F.MaskLoad(source + (14 * stride), lanes, zero) : zero;
        t15 = rows > 15 ? Avx512F.MaskLoad(source + (15 * stride), lanes, zero) : zero;
        TileTranspose.InRegisters(ref t0, ref t1, ref t2, ref t3, ref t4, ref t5, ref t6, ref t7, ref t8, ref t9, ref t10, ref t11, ref t12, ref t13, ref t14, ref t15);
    }

    /// <summary>
    /// m = max_j t_j over the columns that exist, as four chains (columns c, c + 4, c + 8, c + 12) joined at the end, so
    /// that the tile waits on a tree of depth 4 at most rather than a chain of width - 1 (max is exact, and the order
    /// it is taken in changes no result). Chains with no column of their own start from t_0: the max is idempotent.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> ColumnMax(
        int width, Vector512<float> t0, Vector512<float> t1, Vector512<float> t2, Vector512<float> t3, Vector512<float> t4, Vector512<float> t5,
        Vector512<float> t6, Vector512<float> t7, Vector512<float> t8, Vector512<float> t9, Vector512<float> t10, Vector512<float> t11,
        Vector512<float> t12, Vector512<float> t13, Vector512<float> t14, Vector512<float> t15)
    {
        Vector512<float> max0 = t0, max1 = t0, max2 = t0, max3 = t0;
        if (width > 1) max1 = t1;
        if (width > 2) max2 = t2;
        if (width > 3) max3 = t3;
        if (width > 4) max0 = Vector512.MaxNative(max0, t4);
        if (width > 5) max1 = Vector512.MaxNative(max1, t5);
        if (width > 6) max2 = Vector512.MaxNative(max2, t6);
        if (width > 7) max3 = Vector512.MaxNative(max3, t7);
        if (width > 8) max0 = Vector512.MaxNative(max0, t8);
        if (width > 9) max1 = Vector512.MaxNative(max1, t9);
        if (width > 10) max2 = Vector512.MaxNative(max2, t10);
        if (width > 11) max3 = Vector512.MaxNative(max3, t11);
        if (width > 12) max0 = Vector512.MaxNative(max0, t12);
        if (width > 13) max1 = Vector512.MaxNative(max1, t13);
        if (width > 14) max2 = Vector512.MaxNative(max2, t14);
        if (width > 15) max3 = Vector512.MaxNative(max3, t15);
        return Vector512.MaxNative(Vector512.MaxNative(max0, max1), Vector512.MaxNative(max2, max3));
    }

    /// <summary>
    /// Stores the tile's first <paramref name="rows"/> rows, <paramref name="width"/> floats each, from their columns
    /// t_j: in quads (<see cref="StoreColumnQuads"/>) for a full tile, else through a full transpose and masked row
    /// stores (<see cref="StoreTileByRows"/>). Nothing past a row is written.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void StoreTile(
        float* destination, nint stride, int rows, int width, Vector512<float> lanes,
        Vector512<float> t0, Vector512<float> t1, Vector512<float> t2, Vector512<float> t3, Vector512<float> t4, Vector512<float> t5,
        Vector512<float> t6, Vector512<float> t7, Vector512<float> t8, Vector512<float> t9, Vector512<float> t10, Vector512<float> t11,
        Vector512<float> t12, Vector512<float> t13, Vector512<float> t14, Vector512<float> t15)
    {
        // The flag is read when the library loads (ProcessorVendor), so the kernels inlining this see a constant.
        if (ProcessorVendor.StoresVector512InHalves)
        {
            StoreTile<LaneStores>(destination, stride, rows, width, lanes, t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15);
        }
        else
        {
            StoreTile<MaskedVectorStores>(destination, stride, rows, width, lanes, t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15);
        }
    }

    /// <summary>
    /// <see cref="StoreTile(float*, nint, int, int, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float}, Vector512{float})"/>
    /// with the quads stored in the form <typeparamref name="TStores"/> (<see cref="MaskedVectorStores"/> or <see cref="LaneStores"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void StoreTile<TStores>(
        float* destination, nint stride, int rows, int width, Vector512<float> lanes,
        Vector512<float> t0, Vector512<float> t1, Vector512<float> t2, Vector512<float> t3, Vector512<float> t4, Vector512<float> t5,
        Vector512<float> t6, Vector512<float> t7, Vector512<float> t8, Vector512<float> t9, Vector512<float> t10, Vector512<float> t11,
        Vector512<float> t12, Vector512<float> t13, Vector512<float> t14, Vector512<float> t15)
        where TStores : struct
    {
        if (rows < TileRows)
        {
            StoreTileByRows<TStores>(destination, stride, rows, width, lanes, t0, t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14, t15);
            return;
        }

        StoreColumnQuads<TStores>(destination, stride, Math.Min(width, 4), t0, t1, t2, t3);
        if (width > 4) StoreColumnQuads<TStores>(destination + 4, stride, Math.Min(width - 4, 4), t4, t5, t6, t7);
        if (width > 8) StoreColumnQuads<TStores>(destination + 8, stride, Math.Min(width - 8, 4), t8, t9, t10, t11);
        if (width > 12) StoreColumnQuads<TStores>(destination + 12, stride, width - 12, t12, t13, t14, t15);
    }

    /// <summary>
    /// Quads 1 to 3 of a vector stored by 512-bit masked stores, each from the address that puts its quad in place: no
    /// shuffle, so no load on the one port that shuffles on Intel cores, which is where this form was measured best.
    /// </summary>
    internal struct MaskedVectorStores;

    /// <summary>
    /// Quads 1 to 3 of a vector extracted to 128-bit registers and stored from there: for cores that split a 512-bit
    /// store in halves (<see cref="ProcessorVendor.StoresVector512InHalves"/>, AMD Zen 4), where each masked 512-bit
    /// store took 2 to 3.3 store cycles and an extract and a 128-bit store about 1.3. The softmax of 256 x 10 rows ran
    /// 1.17-1.20x as fast this way there (informal, interleaved harness).
    /// </summary>
    internal struct LaneStores;

    /// <summary>
    /// Stores floats c .. c + <paramref name="count"/> - 1 of sixteen rows from columns c .. c + 3 (the inverse of
    /// <see cref="LoadColumnQuads"/>): a 4 x 4 transpose inside each 128-bit lane gives, in lane R of u_i, row 4R + i's
    /// quad, stored with one 128-bit store for lane 0 and, for the others, masked 512-bit stores or 128-bit stores of the
    /// extracted lanes (<typeparamref name="TStores"/>). A part quad is stored under a mask: nothing past a row is written.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreColumnQuads<TStores>(
        float* first, nint stride, int count, Vector512<float> column0, Vector512<float> column1, Vector512<float> column2, Vector512<float> column3)
        where TStores : struct
    {
        Vector512<float> a0 = Avx512F.UnpackLow(column0, column1), a1 = Avx512F.UnpackHigh(column0, column1);
        Vector512<float> a2 = Avx512F.UnpackLow(column2, column3), a3 = Avx512F.UnpackHigh(column2, column3);
        Vector512<float> u0 = TileTranspose.PairLow(a0, a2), u1 = TileTranspose.PairHigh(a0, a2);
        Vector512<float> u2 = TileTranspose.PairLow(a1, a3), u3 = TileTranspose.PairHigh(a1, a3);
        nint stride4 = 4 * stride;
        if (count == 4)
        {
            StoreQuads<TStores>(u0, first, stride4);
            StoreQuads<TStores>(u1, first + stride, stride4);
            StoreQuads<TStores>(u2, first + (2 * stride), stride4);
            StoreQuads<TStores>(u3, first + (3 * stride), stride4);
        }
        else
        {
            Vector512<float> kept = Vector512.LessThan(Vector512<int>.Indices & Vector512.Create(3), Vector512.Create(count)).AsSingle();
            StorePartQuads<TStores>(u0, first, stride4, kept);
            StorePartQuads<TStores>(u1, first + stride, stride4, kept);
            StorePartQuads<TStores>(u2, first + (2 * stride), stride4, kept);
            StoreLastRowPartQuads<TStores>(u3, first + (3 * stride), stride4, kept, count);
        }
    }

    /// <summary>
    /// As <see cref="StorePartQuads"/> for u_3, whose lane 3 is the tile's last row: that quad is stored as exactly its
    /// <paramref name="count"/> floats. A masked store spans 64 bytes, and from the last row it would span the start of
    /// the next tile's first row; in place, a read that overlaps a masked store waits until the store reaches the cache,
    /// so the next tile could not start until this one was written.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreLastRowPartQuads<TStores>(Vector512<float> quads, float* first, nint stride4, Vector512<float> kept, int count)
        where TStores : struct
    {
        StoreFirstPartQuads<TStores>(quads, first, stride4, kept);
        Vector128<float> last = Avx512F.ExtractVector128(quads, 3);
        float* row = first + (3 * stride4);
        if (count == 1)
        {
            Sse.StoreScalar(row, last);
        }
        else
        {
            Sse.StoreLow(row, last);
            if (count == 3)
            {
                row[2] = last.GetElement(2);
            }
        }
    }

    /// <summary>Stores lane R at <paramref name="first"/> + R <paramref name="stride4"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreQuads<TStores>(Vector512<float> quads, float* first, nint stride4)
        where TStores : struct
    {
        quads.GetLower().GetLower().Store(first);
        if (typeof(TStores) == typeof(LaneStores))
        {
            Avx512F.ExtractVector128(quads, 1).Store(first + stride4);
            Avx512F.ExtractVector128(quads, 2).Store(first + (2 * stride4));
            Avx512F.ExtractVector128(quads, 3).Store(first + (3 * stride4));
            return;
        }

        // lane 4R + k goes to first + R stride4 + k: the vector is stored from first + R stride4 - 4R under the mask of
        // quad R, so no other address is touched.
        Avx512F.MaskStore(first + stride4 - 4, Vector512.Create(0, 0, 0, 0, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0).AsSingle(), quads);
        Avx512F.MaskStore(first + (2 * stride4) - 8, Vector512.Create(0, 0, 0, 0, 0, 0, 0, 0, -1, -1, -1, -1, 0, 0, 0, 0).AsSingle(), quads);
        Avx512F.MaskStore(first + (3 * stride4) - 12, Vector512.Create(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, -1, -1).AsSingle(), quads);
    }

    /// <summary>Stores the lanes of lane R under <paramref name="kept"/> at <paramref name="first"/> + R <paramref name="stride4"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StorePartQuads<TStores>(Vector512<float> quads, float* first, nint stride4, Vector512<float> kept)
        where TStores : struct
    {
        StoreFirstPartQuads<TStores>(quads, first, stride4, kept);
        if (typeof(TStores) == typeof(LaneStores))
        {
            Avx512F.VL.MaskStore(first + (3 * stride4), kept.GetLower().GetLower(), Avx512F.ExtractVector128(quads, 3));
            return;
        }

        Avx512F.MaskStore(first + (3 * stride4) - 12, kept & Vector512.Create(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, -1, -1).AsSingle(), quads);
    }

    /// <summary>Lanes 0, 1 and 2 of <see cref="StorePartQuads"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreFirstPartQuads<TStores>(Vector512<float> quads, float* first, nint stride4, Vector512<float> kept)
        where TStores : struct
    {
        if (typeof(TStores) == typeof(LaneStores))
        {
            // 128-bit masked stores of the extracted lanes; kept holds the same four lanes in each quad.
            Vector128<float> keptQuad = kept.GetLower().GetLower();
            Avx512F.VL.MaskStore(first, keptQuad, quads.GetLower().GetLower());
            Avx512F.VL.MaskStore(first + stride4, keptQuad, Avx512F.ExtractVector128(quads, 1));
            Avx512F.VL.MaskStore(first + (2 * stride4), keptQuad, Avx512F.ExtractVector128(quads, 2));
            return;
        }

        Avx512F.MaskStore(first, kept & Vector512.Create(-1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0).AsSingle(), quads);
        Avx512F.MaskStore(first + stride4 - 4, kept & Vector512.Create(0, 0, 0, 0, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0).AsSingle(), quads);
        Avx512F.MaskStore(first + (2 * stride4) - 8, kept & Vector512.Create(0, 0, 0, 0, 0, 0, 0, 0, -1, -1, -1, -1, 0, 0, 0, 0).AsSingle(), quads);
    }

    /// <summary>
    /// Whether the tile starting at row <paramref name="row"/> of a matrix of <paramref name="height"/> rows may be read
    /// in quads (<see cref="LoadColumnQuads"/>): sixteen rows, and at least one row after them, with a row stride that
    /// keeps the up to three floats read past a row's end inside the next row.
    /// </summary>
    internal static bool QuadsReadable(int row, int height, nint stride, int width) =>
        height - row > TileRows && ((width + 3) & ~3) <= stride + width;

    /// <summary>
    /// Transposes the columns back to rows with a full 16 x 16 transpose and stores the first <paramref name="rows"/>
    /// under <paramref name="lanes"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreTileByRows<TStores>(
        float* destination, nint stride, int rows, int width, Vector512<float> lanes,
        Vector512<float> t0, Vector512<float> t1, Vector512<float> t2, Vector512<float> t3, Vector512<float> t4, Vector512<float> t5,
        Vector512<float> t6, Vector512<float> t7, Vector512<float> t8, Vector512<float> t9, Vector512<float> t10, Vector512<float> t11,
        Vector512<float> t12, Vector512<float> t13, Vector512<float> t14, Vector512<float> t15)
        where TStores : struct
    {
        TileTranspose.InRegisters(ref t0, ref t1, ref t2, ref t3, ref t4, ref t5, ref t6, ref t7, ref t8, ref t9, ref t10, ref t11, ref t12, ref t13, ref t14, ref t15);
        StoreRow<TStores>(destination, width, lanes, t0);
        if (rows > 1) StoreRow<TStores>(destination + stride, width, lanes, t1);
        if (rows > 2) StoreRow<TStores>(destination + (2 * stride), width, lanes, t2);
        if (rows > 3) StoreRow<TStores>(destination + (3 * stride), width, lanes, t3);
        if (rows > 4) StoreRow<TStores>(destination + (4 * stride), width, lanes, t4);
        if (rows > 5) StoreRow<TStores>(destination + (5 * stride), width, lanes, t5);
        if (rows > 6) StoreRow<TStores>(destination + (6 * stride), width, lanes, t6);
        if (rows > 7) StoreRow<TStores>(destination + (7 * stride), width, lanes, t7);
        if (rows > 8) StoreRow<TStores>(destination + (8 * stride), width, lanes, t8);
        if (rows > 9) StoreRow<TStores>(destination + (9 * stride), width, lanes, t9);
        if (rows > 10) StoreRow<TStores>(destination + (10 * stride), width, lanes, t10);
        if (rows > 11) StoreRow<TStores>(destination + (11 * stride), width, lanes, t11);
        if (rows > 12) StoreRow<TStores>(destination + (12 * stride), width, lanes, t12);
        if (rows > 13) StoreRow<TStores>(destination + (13 * stride), width, lanes, t13);
        if (rows > 14) StoreRow<TStores>(destination + (14 * stride), width, lanes, t14);
        if (rows > 15) StoreRow<TStores>(destination + (15 * stride), width, lanes, t15);
    }

    /// <summary>
    /// Stores the first <paramref name="width"/> (at most 16) floats of <paramref name="values"/>, the lanes under
    /// <paramref name="lanes"/>: one 512-bit masked store, or with <see cref="LaneStores"/> a 256-bit masked store of each
    /// half that holds any of them.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRow<TStores>(float* row, int width, Vector512<float> lanes, Vector512<float> values)
        where TStores : struct
    {
        if (typeof(TStores) == typeof(LaneStores))
        {
            Avx512F.VL.MaskStore(row, lanes.GetLower(), values.GetLower());
            if (width > Vector256<float>.Count)
            {
                Avx512F.VL.MaskStore(row + Vector256<float>.Count, lanes.GetUpper(), values.GetUpper());
            }

            return;
        }

        Avx512F.MaskStore(row, lanes, values);
    }
}
