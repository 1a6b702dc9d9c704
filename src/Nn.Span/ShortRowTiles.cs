using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using CommunityToolkit.HighPerformance;

namespace Nn.Span;

/// <summary>
/// Softmax and the fused loss for float rows of at most 16 logits (e.g. Dy = 10 classes), sixteen rows at a time;
/// the rows it takes are those <see cref="ShortRowSoftmax.Applies"/> accepts.
/// The rows are loaded into a 16 x 16 tile and transposed, so that vector j holds logit j of all sixteen rows (lane r
/// is row r). The maximum, e^(z - max), the sum and the scaling then run lane-wise down the Dy columns: every lane
/// works, no row needs an in-register reduction, and the sixteen rows' dependency chains run side by side. The tile
/// is transposed back for the store. A tile is read whole before any of it is written, so the destination may be the
/// logits; a tile holding NaN or +Inf (or a row of -Inf) goes row by row through the general path, which gives those
/// rows their limits.
/// </summary>
[SkipLocalsInit]
internal static unsafe class ShortRowTiles
{
    /// <summary>Rows per tile: one per lane.</summary>
    private const int TileRows = 16;

    /// <summary>Fewer rows than this (a small batch, or the last rows) go one by one: a tile would cost more.</summary>
    private const int MinimumTileRows = 4;

    /// <summary>destination = softmax of every row; destination may be the logits.</summary>
    public static void Softmax(ReadOnlySpan2D<float> logits, Span2D<float> destination)
    {
        int height = logits.Height;
        int width = logits.Width;
        nint logitsStride = MatrixMemory.RowStride(logits);
        nint destinationStride = MatrixMemory.RowStride((ReadOnlySpan2D<float>)destination);
        Vector512<float> lanes = ShortRowSoftmax.LaneMask(width);
        Vector512<float>* tileMemory = stackalloc Vector512<float>[TileTranspose.MemoryLength];
        Vector512<float>* tile = TileTranspose.Aligned(tileMemory);
        fixed (float* first = &logits.DangerousGetReference())
        fixed (float* firstDestination = &destination.DangerousGetReference())
        {
            for (int row = 0; row < height; row += TileRows)
            {
                int rows = Math.Min(TileRows, height - row);
                if (rows < MinimumTileRows)
                {
                    for (int r = row; r < height; r++)
                    {
                        Nn.Span.Softmax.RowCore<float>(logits.GetRowSpan(r), destination.GetRowSpan(r));
                    }

                    break;
                }

                LoadColumns(first + (row * logitsStride), logitsStride, rows, lanes, tile);

                // m = max_j z[., j]
                Vector512<float> max = tile[0];
                for (int j = 1; j < width; j++)
                {
                    max = Vector512.MaxNative(max, tile[j]);
                }

                // e_j = e^(z_j - m), s = sum_j e_j; a NaN anywhere, or m = +-Inf (Inf - Inf), makes s NaN
                for (int j = 0; j < width; j++)
                {
                    tile[j] = FloatExponential.Exp(tile[j] - max);
                }

                Vector512<float> sum = RowSums(tile);

                if (!Vector512.EqualsAll(sum, sum))
                {
                    for (int r = row; r < row + rows; r++)
                    {
                        Nn.Span.Softmax.RowCore<float>(logits.GetRowSpan(r), destination.GetRowSpan(r));
                    }

                    continue;
                }

                // y_j = e_j / s
                Vector512<float> inverse = Vector512<float>.One / sum;
                for (int j = 0; j < width; j++)
                {
                    tile[j] *= inverse;
                }

                StoreRows(tile, firstDestination + (row * destinationStride), destinationStride, rows, lanes);
            }
        }
    }

    /// <summary>
    /// gradient = (softmax(z) - onehot(label)) * scale for every row; returns the mean loss
    /// sum_n (log(s_n) - (z[n, y_n] - m_n)) * scale. gradient may be the logits. Labels are valid.
    /// </summary>
    public static float LossAndGradient(ReadOnlySpan2D<float> logits, ReadOnlySpan<int> labels, float scale, Span2D<float> gradient)
    {
        int height = logits.Height;
        int width = logits.Width;
        nint logitsStride = MatrixMemory.RowStride(logits);
        nint gradientStride = MatrixMemory.RowStride((ReadOnlySpan2D<float>)gradient);
        Vector512<float> lanes = ShortRowSoftmax.LaneMask(width);
        Vector512<float> scaled = Vector512.Create(scale);
        Vector512<float>* tileMemory = stackalloc Vector512<float>[TileTranspose.MemoryLength];
        Vector512<float>* tile = TileTranspose.Aligned(tileMemory);

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
                if (rows < MinimumTileRows)
                {
                    for (int r = row; r < height; r++)
                    {
                        generalPathLoss += RowLossAndGradient(logits, labels[r], scale, gradient, r, lanes);
                    }

                    break;
                }

                Vector512<int> rowLanes = Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(rows));
                Vector512<int> label = Avx512F.MaskLoad(firstLabel + row, rowLanes, Vector512<int>.Zero);
                LoadColumns(first + (row * logitsStride), logitsStride, rows, lanes, tile);

                // m = max_j z[., j]
                Vector512<float> max = tile[0];
                for (int j = 1; j < width; j++)
                {
                    max = Vector512.MaxNative(max, tile[j]);
                }

                // e_j = e^(z_j - m), s = sum_j e_j, and t = z[., y] - m picked out of the column equal to the label
                Vector512<float> shiftedLabel = Vector512<float>.Zero;
                for (int j = 0; j < width; j++)
                {
                    Vector512<float> shifted = tile[j] - max;
                    shiftedLabel = Vector512.ConditionalSelect(Vector512.Equals(label, Vector512.Create(j)).AsSingle(), shifted, shiftedLabel);
                    tile[j] = FloatExponential.Exp(shifted);
                }

                Vector512<float> sum = RowSums(tile);

                if (!Vector512.EqualsAll(sum, sum))
                {
                    for (int r = row; r < row + rows; r++)
                    {
                        generalPathLoss += RowLossAndGradient(logits, labels[r], scale, gradient, r, lanes);
                    }

                    continue;
                }

                // g_j = e_j * (scale / s) - scale [j == y]
                Vector512<float> factor = scaled / sum;
                for (int j = 0; j < width; j++)
                {
                    tile[j] = (tile[j] * factor) - (Vector512.Equals(label, Vector512.Create(j)).AsSingle() & scaled);
                }

                StoreRows(tile, firstGradient + (row * gradientStride), gradientStride, rows, lanes);

                // the tile's rows only: the lanes past them hold no row
                total -= (shiftedLabel * scaled) & rowLanes.AsSingle();
                product *= Vector512.ConditionalSelect(rowLanes.AsSingle(), sum, Vector512<float>.One);
                if (++tilesInProduct == 8)
                {
                    total += Vector512.Log(product) * scaled;
                    product = Vector512<float>.One;
                    tilesInProduct = 0;
                }
            }
        }

        if (tilesInProduct > 0)
        {
            total += Vector512.Log(product) * scaled;
        }

        return Vector512.Sum(total) + generalPathLoss;
    }

    /// <summary>
    /// Row <paramref name="row"/> alone, through <see cref="ShortRowSoftmax.TryLossAndGradient"/> (the same arithmetic as
    /// a tile, so that the row comes out bitwise equal whatever its neighbours hold), or through the general path when
    /// the row itself holds NaN or +Inf. Returns the row's loss times scale.
    /// </summary>
    private static float RowLossAndGradient(ReadOnlySpan2D<float> logits, int label, float scale, Span2D<float> gradient, int row, Vector512<float> lanes)
    {
        Span<float> gradientRow = gradient.GetRowSpan(row);
        fixed (float* z = logits.GetRowSpan(row))
        fixed (float* destination = gradientRow)
        {
            float sum = ShortRowSoftmax.TryLossAndGradient(ShortRowSoftmax.LoadRow(z, lanes), lanes, label, scale, destination, out float shiftedLabel);
            if (sum != 0)
            {
                return (MathF.Log(sum) - shiftedLabel) * scale;
            }
        }

        return CrossEntropy.RowLossAndGradient(logits.GetRowSpan(row), label, scale, gradientRow) * scale;
    }

    /// <summary>
    /// Lane r = sum_j tile[j][r] over all 16 columns (those past the width hold 0), added in the order of
    /// <see cref="ShortRowSoftmax"/>'s in-register reduction of one row (lane i with lane i + 8, then + 4, + 2, + 1), so
    /// that a row's softmax is bitwise the same in a tile and alone.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> RowSums(Vector512<float>* tile)
    {
        Vector512<float> s0 = (tile[0] + tile[8]) + (tile[4] + tile[12]);
        Vector512<float> s2 = (tile[2] + tile[10]) + (tile[6] + tile[14]);
        Vector512<float> s1 = (tile[1] + tile[9]) + (tile[5] + tile[13]);
        Vector512<float> s3 = (tile[3] + tile[11]) + (tile[7] + tile[15]);
        return (s0 + s2) + (s1 + s3);
    }

    /// <summary>
    /// Loads <paramref name="rows"/> rows (lanes under <paramref name="lanes"/>, zero elsewhere and in the rows past
    /// them) and transposes them: column j of the rows ends up in tile[j]. Never reads past a row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LoadColumns(float* first, nint stride, int rows, Vector512<float> lanes, Vector512<float>* tile)
    {
        // A full tile, the usual case, loads without a test per row.
        if (rows == TileRows)
        {
            for (int r = 0; r < TileRows; r++)
            {
                tile[r] = Avx512F.MaskLoad(first + (r * stride), lanes, Vector512<float>.Zero);
            }
        }
        else
        {
            for (int r = 0; r < TileRows; r++)
            {
                tile[r] = r < rows ? Avx512F.MaskLoad(first + (r * stride), lanes, Vector512<float>.Zero) : Vector512<float>.Zero;
            }
        }

        TileTranspose.InPlace(tile);
    }

    /// <summary>Transposes the tile back and stores its first <paramref name="rows"/> rows under <paramref name="lanes"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRows(Vector512<float>* tile, float* first, nint stride, int rows, Vector512<float> lanes)
    {
        TileTranspose.InPlace(tile);
        for (int r = 0; r < rows; r++)
        {
            Avx512F.MaskStore(first + (r * stride), lanes, tile[r]);
        }
    }
}
