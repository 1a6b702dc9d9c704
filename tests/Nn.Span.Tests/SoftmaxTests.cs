using static Nn.Span.Tests.Reference;

namespace Nn.Span.Tests;

/// <summary>
/// Softmax.Row/Rows, LogRow/LogRows and Backward/BackwardRows against double references: every length 0..256,
/// strided sub-matrices, in place, special values, the seed's values and the error contract.
/// </summary>
/// <remarks>
/// Tolerances, with u the unit roundoff (2^-24 float, 2^-53 double) and n the row length:
/// softmax y_i = e^(x_i - m) / S: the subtraction x_i - m is off by up to u |x_i - m|, which moves e^(x_i - m) by
/// that much relatively; the exponential adds at most 2 ulp (4u); the sum S of n positive terms at most (n - 1) u;
/// scaling by 1 / S two roundings. So |y_i - r_i| &lt;= (|x_i - m| + n + 8) u r_i; the tests allow (|x_i - m| + n + 16) u r_i.
/// The row sum adds the same rounded terms that make up S, so it is within (n + 2) u of 1; the tests allow (n + 4) u.
/// log-softmax (x_i - m) - log S: absolute error at most u (|x_i - m| + |log S| + |r_i|) from the two subtractions and
/// the logarithm, plus (n + 4) u from S; the tests allow (|x_i - m| + |log S| + |r_i| + n + 16) u.
/// backward y_i (g_i - dot): the dot product is off by at most n u sum_j |g_j y_j|, the rest three roundings, so the
/// tests allow (n + 4) u |y_i| (|g_i| + sum_j |g_j y_j|).
/// </remarks>
public sealed class SoftmaxTests
{
    private const int Guard = 17;

    private static double SoftmaxBound<T>(double[] row, int i, double exact)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        exact == 0 ? 0 : (Math.Abs(row[i] - Max(row)) + row.Length + 16) * UnitRoundoff<T>() * exact; // e^-Inf is exactly 0

    private static double LogSoftmaxBound<T>(double[] row, int i, double exact)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double max = Max(row);
        double logSum = Math.Log(ShiftedSum(row, max));
        return (Math.Abs(row[i] - max) + Math.Abs(logSum) + Math.Abs(exact) + row.Length + 16) * UnitRoundoff<T>();
    }

    /// <summary>Checks one output row against the double softmax of the input row; NaN and infinities must match exactly.</summary>
    private static void AssertSoftmaxRow<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> output, string context)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double[] row = ToDouble(logits);
        double[] expected = Softmax(row);
        bool finiteRow = double.IsFinite(Max(row));
        for (int i = 0; i < row.Length; i++)
        {
            // A row holding +Inf has the limit 1/k: one rounding.
            double bound = finiteRow ? SoftmaxBound<T>(row, i, expected[i]) : UnitRoundoff<T>() * Math.Abs(expected[i]);
            AssertWithin(expected[i], D(output[i]), bound, $"{typeof(T).Name} {context}, softmax at {i} of {row.Length}");
        }
    }

    private static void AssertLogSoftmaxRow<T>(ReadOnlySpan<T> logits, ReadOnlySpan<T> output, string context)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double[] row = ToDouble(logits);
        double[] expected = LogSoftmax(row);
        bool finiteRow = double.IsFinite(Max(row));
        for (int i = 0; i < row.Length; i++)
        {
            // A row holding +Inf has the limit -log k: one rounding of the logarithm.
            double bound = finiteRow ? LogSoftmaxBound<T>(row, i, expected[i]) : 2 * UnitRoundoff<T>() * Math.Abs(expected[i]);
            AssertWithin(expected[i], D(output[i]), bound, $"{typeof(T).Name} {context}, log-softmax at {i} of {row.Length}");
        }
    }

    // ---- every length ----

    [Fact]
    public void Softmax_row_matches_double_reference_for_every_length()
    {
        RowEveryLength<float>(log: false);
        RowEveryLength<double>(log: false);
    }

    [Fact]
    public void LogRow_matches_double_reference_for_every_length()
    {
        RowEveryLength<float>(log: true);
        RowEveryLength<double>(log: true);
    }

    private static void Apply<T>(bool log, ReadOnlySpan<T> logits, Span<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (log)
        {
            Softmax.LogRow(logits, destination);
        }
        else
        {
            Softmax.Row(logits, destination);
        }
    }

    private static void RowEveryLength<T>(bool log)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(log ? 201 : 202);
        for (int length = 0; length <= 256; length++)
        {
            T[] logits = Uniform<T>(random, length, -8, 8);
            T[] before = (T[])logits.Clone();
            T[] destination = Guarded<T>(length, Guard);
            Apply<T>(log, logits, destination.AsSpan(Guard, length));
            AssertUnchanged(before, logits);
            AssertGuardsUntouched(destination, Guard);

            // In place: destination is the input; the result is the same, bit for bit.
            T[] inPlace = Guarded<T>(length, Guard);
            logits.CopyTo(inPlace, Guard);
            Span<T> view = inPlace.AsSpan(Guard, length);
            Apply<T>(log, view, view);
            AssertGuardsUntouched(inPlace, Guard);
            AssertUnchanged(destination, inPlace);

            if (log)
            {
                AssertLogSoftmaxRow<T>(logits, destination.AsSpan(Guard, length), $"length {length}");
            }
            else
            {
                AssertSoftmaxRow<T>(logits, destination.AsSpan(Guard, length), $"length {length}");
            }
        }
    }

    [Fact]
    public void Row_kernels_leave_the_rest_of_a_longer_destination_untouched()
    {
        LongerDestination<float>();
        LongerDestination<double>();
    }

    private static void LongerDestination<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // A destination may be longer than the row; only the first logits.Length elements are written.
        var random = new Random(208);
        for (int length = 0; length <= 80; length++)
        {
            T[] logits = Uniform<T>(random, length, -5, 5);
            T[] y = Softmax(ToDouble<T>(logits)).Select(Of<T>).ToArray();
            foreach (int kernel in new[] { 0, 1, 2 })
            {
                T[] destination = Guarded<T>(length, Guard);
                Span<T> longer = destination.AsSpan(Guard, length + Guard); // runs into the guard after the payload
                switch (kernel)
                {
                    case 0: Softmax.Row<T>(logits, longer); break;
                    case 1: Softmax.LogRow<T>(logits, longer); break;
                    default: Softmax.Backward<T>(y, logits, longer); break;
                }

                AssertGuardsUntouched(destination, Guard);
                if (kernel == 0)
                {
                    AssertSoftmaxRow<T>(logits, longer, $"longer destination, length {length}");
                }
            }
        }
    }

    [Fact]
    public void Softmax_rows_sum_to_one_for_every_length()
    {
        RowsSumToOne<float>();
        RowsSumToOne<double>();
    }

    private static void RowsSumToOne<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(203);
        for (int length = 1; length <= 256; length++)
        {
            foreach (double spread in new[] { 1.0, 30.0, 300.0 })
            {
                T[] logits = Uniform<T>(random, length, -spread, spread);
                T[] y = new T[length];
                Softmax.Row<T>(logits, y);
                double sum = ToDouble<T>(y).Sum();
                AssertWithin(1, sum, (length + 4) * UnitRoundoff<T>(), $"{typeof(T).Name} sum of softmax, length {length}, spread {spread}");
            }
        }
    }

    [Fact]
    public void Softmax_is_unchanged_by_adding_a_constant_to_a_row()
    {
        ShiftInvariance<float>([-1000, -0.5, 0.125, 3000, 1 << 19]);
        ShiftInvariance<double>([-1000, -0.5, 3000, 1e12, -(1L << 40)]);
    }

    private static void ShiftInvariance<T>(double[] constants)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Logits on a 1/8 grid in [-8, 8] and constants on the same grid below 2^20: x + c and (x + c) - (m + c)
        // are exact in float and double, so the max-shifted softmax must give the same bits.
        var random = new Random(204);
        for (int length = 1; length <= 80; length++)
        {
            T[] logits = Enumerable.Range(0, length).Select(_ => Of<T>(random.Next(-64, 65) / 8.0)).ToArray();
            T[] expected = new T[length];
            T[] expectedLog = new T[length];
            Softmax.Row<T>(logits, expected);
            Softmax.LogRow<T>(logits, expectedLog);
            foreach (double constant in constants)
            {
                T[] shifted = logits.Select(v => v + Of<T>(constant)).ToArray();
                T[] actual = new T[length];
                Softmax.Row<T>(shifted, actual);
                AssertUnchanged(expected, actual);

                // log-softmax is shift-invariant too: it is computed from x - m, which is exact here.
                Softmax.LogRow<T>(shifted, actual);
                AssertUnchanged(expectedLog, actual);
            }
        }
    }

    [Fact]
    public void Log_softmax_equals_log_of_softmax_where_both_are_finite()
    {
        LogOfSoftmax<float>();
        LogOfSoftmax<double>();
    }

    private static void LogOfSoftmax<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // log y_i is off by the relative error of y_i (bound above) plus u for the double logarithm; the log-softmax
        // by its own bound. Only probabilities above the smallest normal are compared: below it y_i loses relative
        // accuracy (and at 0 its logarithm is -Inf while the log-softmax stays finite).
        var random = new Random(205);
        for (int length = 1; length <= 120; length++)
        {
            T[] logits = Uniform<T>(random, length, -60, 60);
            double[] row = ToDouble<T>(logits);
            T[] y = new T[length], logY = new T[length];
            Softmax.Row<T>(logits, y);
            Softmax.LogRow<T>(logits, logY);
            for (int i = 0; i < length; i++)
            {
                if (D(y[i]) < SmallestNormal<T>())
                {
                    Assert.True(double.IsFinite(D(logY[i])), "log-softmax of finite logits is finite");
                    continue;
                }

                double bound = ((Math.Abs(row[i] - Max(row)) + length + 17) * UnitRoundoff<T>()) + LogSoftmaxBound<T>(row, i, D(logY[i]));
                AssertWithin(Math.Log(D(y[i])), D(logY[i]), bound, $"{typeof(T).Name} log softmax at {i} of {length}");
            }
        }
    }

    [Fact]
    public void Short_float_rows_in_place_with_special_rows_among_them_equal_the_row_by_row_softmax()
    {
        // Rows of up to 16 floats go sixteen at a time through a transposed tile (the last one partial), each tile read
        // whole before it is written; a tile with a NaN, +Inf or all -Inf row goes row by row, and so does a last tile
        // of fewer than six rows (each read before any is written). Every row must come out bitwise equal to
        // Softmax.Row of it, whatever its neighbours hold. Heights cover rows one by one (3, 5, and 50 = 48 + 2), one
        // partial tile (6), full tiles read in quads followed by a longer partial tile (23), and a clean tile after the
        // special ones; the rows one by one hold special rows too.
        var random = new Random(611);
        foreach ((int width, int height) in Enumerable.Range(1, 16).SelectMany(w => new[] { (w, 3), (w, 5), (w, 6), (w, 23), (w, 50) }))
        {
            float[] logits = Uniform<float>(random, height * width, -30, 30);
            if (height > 14)
            {
                logits[5 * width] = float.NaN;
                logits[(9 * width) + (width / 2)] = float.PositiveInfinity;
                logits.AsSpan(14 * width, width).Fill(float.NegativeInfinity);
            }

            // In the last rows: a row of -Inf and a row with +Inf.
            logits.AsSpan((height - 2) * width, width).Fill(float.NegativeInfinity);
            logits[((height - 1) * width) + (width - 1)] = float.PositiveInfinity;

            float[] expected = new float[logits.Length];
            for (int row = 0; row < height; row++)
            {
                Softmax.Row<float>(logits.AsSpan(row * width, width), expected.AsSpan(row * width, width));
            }

            var inPlace = new Span2D<float>(logits, height, width);
            Softmax.Rows<float>(inPlace, inPlace);

            for (int i = 0; i < logits.Length; i++)
            {
                Assert.True(expected[i].Equals(logits[i]), $"{height} x {width}, element {i}: {logits[i]} instead of {expected[i]}");
            }
        }
    }

    // ---- strided matrices ----

    public static TheoryData<int, int, int> MatrixShapes() => new()
    {
        { 1, 1, 0 }, { 1, 2, 5 }, { 3, 7, 2 }, { 5, 10, 3 }, { 7, 13, 1 }, { 2, 16, 16 }, { 4, 17, 5 }, { 3, 31, 2 },
        { 6, 33, 7 }, { 11, 64, 1 }, { 2, 65, 0 }, { 3, 257, 3 }, { 0, 5, 2 }, { 4, 0, 3 }, { 9, 10, 3 }, { 13, 16, 0 },
        { 22, 7, 2 }, { 37, 10, 3 }, { 33, 16, 1 },
    };

    [Theory]
    [MemberData(nameof(MatrixShapes))]
    public void Softmax_rows_on_strided_sub_matrix_match_reference_and_leave_gaps_untouched(int height, int width, int pitch)
    {
        RowsOnStridedView<float>(height, width, pitch, log: false);
        RowsOnStridedView<double>(height, width, pitch, log: false);
    }

    [Theory]
    [MemberData(nameof(MatrixShapes))]
    public void LogRows_on_strided_sub_matrix_match_reference_and_leave_gaps_untouched(int height, int width, int pitch)
    {
        RowsOnStridedView<float>(height, width, pitch, log: true);
        RowsOnStridedView<double>(height, width, pitch, log: true);
    }

    private static void ApplyRows<T>(bool log, ReadOnlySpan2D<T> logits, Span2D<T> destination)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (log)
        {
            Softmax.LogRows(logits, destination);
        }
        else
        {
            Softmax.Rows(logits, destination);
        }
    }

    private static void RowsOnStridedView<T>(int height, int width, int pitch, bool log)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random((height * 1000) + width);
        T[] source = GuardedMatrix<T>(height, width, pitch, Guard);
        var logits = new Span2D<T>(source, Guard, height, width, pitch);
        ActivationsTests.FillView(random, logits, -20, 20);
        T[] sourceBefore = (T[])source.Clone();
        T[] target = GuardedMatrix<T>(height, width, pitch + 1, Guard);
        var destination = new Span2D<T>(target, Guard, height, width, pitch + 1); // a different pitch from the input

        ApplyRows<T>(log, logits, destination);

        AssertUnchanged(sourceBefore, source);
        AssertOutsideViewUntouched(target, height, width, pitch + 1, Guard);
        for (int i = 0; i < height; i++)
        {
            if (log)
            {
                AssertLogSoftmaxRow<T>(logits.GetRowSpan(i), destination.GetRowSpan(i), $"row {i} of {height} x {width}");
            }
            else
            {
                AssertSoftmaxRow<T>(logits.GetRowSpan(i), destination.GetRowSpan(i), $"row {i} of {height} x {width}");
            }
        }

        // In place on the strided view.
        ApplyRows<T>(log, logits, logits);
        AssertOutsideViewUntouched(source, height, width, pitch, Guard);
        ActivationsTests.AssertSameValues<T>(destination, logits);
    }

    [Fact]
    public void Softmax_rows_into_another_column_block_of_the_same_matrix_are_allowed()
    {
        // Columns 0..4 and 5..9 of one 3 x 10 matrix share no element: not an overlap.
        double[] buffer = Enumerable.Range(0, 30).Select(i => (i % 7) - 3.0).ToArray();
        double[] logitsCopy = Enumerable.Range(0, 3).SelectMany(r => buffer.AsSpan(r * 10, 5).ToArray()).ToArray();
        var logits = new ReadOnlySpan2D<double>(buffer, 0, 3, 5, 5);
        var destination = new Span2D<double>(buffer, 5, 3, 5, 5);
        Softmax.Rows(logits, destination);
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(logitsCopy.AsSpan(i * 5, 5).ToArray(), logits.GetRowSpan(i).ToArray());
            AssertSoftmaxRow<double>(logitsCopy.AsSpan(i * 5, 5), destination.GetRowSpan(i), $"row {i}");
        }
    }

    // ---- backward ----

    [Fact]
    public void Softmax_backward_matches_jacobian_vector_product_for_every_length()
    {
        BackwardEveryLength<float>();
        BackwardEveryLength<double>();
    }

    private static double BackwardBound<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> g, int i)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double magnitude = 0;
        for (int j = 0; j < y.Length; j++)
        {
            magnitude += Math.Abs(D(g[j]) * D(y[j]));
        }

        return (y.Length + 4) * UnitRoundoff<T>() * Math.Abs(D(y[i])) * (Math.Abs(D(g[i])) + magnitude);
    }

    private static void AssertBackwardRow<T>(ReadOnlySpan<T> y, ReadOnlySpan<T> g, ReadOnlySpan<T> output, string context)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double[] expected = SoftmaxBackward(ToDouble(y), ToDouble(g));
        for (int i = 0; i < y.Length; i++)
        {
            AssertWithin(expected[i], D(output[i]), BackwardBound(y, g, i), $"{typeof(T).Name} {context}, backward at {i} of {y.Length}");
        }
    }

    private static void BackwardEveryLength<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(206);
        for (int length = 0; length <= 256; length++)
        {
            T[] y = Softmax(ToDouble<T>(Uniform<T>(random, length, -5, 5))).Select(Of<T>).ToArray();
            T[] g = Uniform<T>(random, length, -2, 2);
            T[] yBefore = (T[])y.Clone(), gBefore = (T[])g.Clone();
            T[] destination = Guarded<T>(length, Guard);
            Softmax.Backward<T>(y, g, destination.AsSpan(Guard, length));
            AssertUnchanged(yBefore, y);
            AssertUnchanged(gBefore, g);
            AssertGuardsUntouched(destination, Guard);
            AssertBackwardRow<T>(y, g, destination.AsSpan(Guard, length), $"length {length}");

            // In place on either input gives the same bits.
            T[] onY = Guarded<T>(length, Guard);
            y.CopyTo(onY, Guard);
            Span<T> yView = onY.AsSpan(Guard, length);
            Softmax.Backward<T>(yView, g, yView);
            AssertGuardsUntouched(onY, Guard);
            AssertUnchanged(destination, onY);

            T[] onG = Guarded<T>(length, Guard);
            g.CopyTo(onG, Guard);
            Span<T> gView = onG.AsSpan(Guard, length);
            Softmax.Backward<T>(y, gView, gView);
            AssertGuardsUntouched(onG, Guard);
            AssertUnchanged(destination, onG);
        }
    }

    [Theory]
    [MemberData(nameof(MatrixShapes))]
    public void Softmax_backward_rows_on_strided_sub_matrix_match_reference_and_leave_gaps_untouched(int height, int width, int pitch)
    {
        BackwardRowsOnStridedView<float>(height, width, pitch);
        BackwardRowsOnStridedView<double>(height, width, pitch);
    }

    private static void BackwardRowsOnStridedView<T>(int height, int width, int pitch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random((height * 77) + width);
        T[] yArray = GuardedMatrix<T>(height, width, pitch, Guard);
        T[] gArray = GuardedMatrix<T>(height, width, pitch + 2, Guard);
        var y = new Span2D<T>(yArray, Guard, height, width, pitch);
        var g = new Span2D<T>(gArray, Guard, height, width, pitch + 2);
        ActivationsTests.FillView(random, g, -2, 2);
        ActivationsTests.FillView(random, y, -5, 5);
        Softmax.Rows<T>(y, y);
        T[] yBefore = (T[])yArray.Clone(), gBefore = (T[])gArray.Clone();
        T[] target = GuardedMatrix<T>(height, width, pitch + 1, Guard);
        var destination = new Span2D<T>(target, Guard, height, width, pitch + 1);

        Softmax.BackwardRows<T>(y, g, destination);

        AssertUnchanged(yBefore, yArray);
        AssertUnchanged(gBefore, gArray);
        AssertOutsideViewUntouched(target, height, width, pitch + 1, Guard);
        for (int i = 0; i < height; i++)
        {
            AssertBackwardRow<T>(y.GetRowSpan(i), g.GetRowSpan(i), destination.GetRowSpan(i), $"row {i} of {height} x {width}");
        }

        // In place on the gradient, then on the probabilities.
        Softmax.BackwardRows<T>(y, g, g);
        AssertOutsideViewUntouched(gArray, height, width, pitch + 2, Guard);
        ActivationsTests.AssertSameValues<T>(destination, g);
        gBefore.CopyTo(gArray, 0);
        Softmax.BackwardRows<T>(y, g, y);
        AssertOutsideViewUntouched(yArray, height, width, pitch, Guard);
        ActivationsTests.AssertSameValues<T>(destination, y);
    }

    // ---- special values ----

    [Fact]
    public void Softmax_special_values_follow_the_documented_limits_at_every_position()
    {
        SpecialValues<float>();
        SpecialValues<double>();
    }

    private static void SpecialValues<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Documented (Softmax remarks): NaN anywhere -> the whole row NaN; k entries of +Inf -> 1/k there and 0
        // elsewhere (log: -log k and -Inf); every entry -Inf -> NaN; a single -Inf among finite logits -> 0 (log: -Inf)
        // with the rest as for the finite logits alone. Lengths 1..40 cover the short float row (up to 16), one
        // vector, and full vectors plus a tail.
        var random = new Random(207);
        for (int length = 1; length <= 40; length++)
        {
            for (int position = 0; position < length; position++)
            {
                int other = (position + 1 + random.Next(length)) % length;
                CheckSpecialRow<T>(random, length, row => row[position] = T.NaN, "NaN");
                CheckSpecialRow<T>(random, length, row => row[position] = T.PositiveInfinity, "+Inf");
                CheckSpecialRow<T>(random, length, row => (row[position], row[other]) = (T.PositiveInfinity, T.PositiveInfinity), "two +Inf");
                CheckSpecialRow<T>(random, length, row => row[position] = T.NegativeInfinity, "-Inf");
                CheckSpecialRow<T>(random, length, row => (row[position], row[other]) = (T.NaN, T.PositiveInfinity), "NaN and +Inf");
                CheckSpecialRow<T>(random, length, row => (row[position], row[other]) = (T.NegativeInfinity, T.PositiveInfinity), "-Inf and +Inf");
            }

            CheckSpecialRow<T>(random, length, row => row.AsSpan().Fill(T.NegativeInfinity), "all -Inf");
            CheckSpecialRow<T>(random, length, row => row.AsSpan().Fill(T.PositiveInfinity), "all +Inf");
        }
    }

    private static void CheckSpecialRow<T>(Random random, int length, Action<T[]> plant, string what)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] logits = Uniform<T>(random, length, -6, 6);
        plant(logits);
        T[] y = new T[length], logY = new T[length];
        Softmax.Row<T>(logits, y);
        Softmax.LogRow<T>(logits, logY);
        AssertSoftmaxRow<T>(logits, y, what);
        AssertLogSoftmaxRow<T>(logits, logY, what);

        // The same row inside a matrix (in place) does not disturb its neighbours.
        T[] matrix = Uniform<T>(random, 3 * length, -6, 6);
        logits.CopyTo(matrix, length);
        T[] original = (T[])matrix.Clone();
        var view = new Span2D<T>(matrix, 3, length);
        Softmax.Rows<T>(view, view);
        for (int i = 0; i < 3; i++)
        {
            AssertSoftmaxRow<T>(original.AsSpan(i * length, length), view.GetRowSpan(i), $"{what}, matrix row {i}");
        }
    }

    [Fact]
    public void Softmax_of_signed_zeros_and_huge_logits_is_exact()
    {
        HugeLogits<float>(float.MaxValue);
        HugeLogits<double>(double.MaxValue);
    }

    private static void HugeLogits<T>(T max)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // +0 and -0 are equal logits. Logits of +-1e4 or +-max: the smaller one is e^(-2e4) or e^(-inf) = 0 exactly
        // after the shift, so the larger gets exactly 1. The log-softmax is x - m rounded to T: -2e4, or -Inf when
        // -2 max overflows T (the correctly rounded value).
        T huge = Of<T>(1e4);
        (T[] Logits, double[] Softmax, double[] Log)[] cases =
        [
            ([T.Zero, T.NegativeZero], [0.5, 0.5], [-Math.Log(2), -Math.Log(2)]),
            ([huge, -huge], [1, 0], [0, -2e4]),
            ([-huge, -huge, -huge, -huge], [0.25, 0.25, 0.25, 0.25], [-Math.Log(4), -Math.Log(4), -Math.Log(4), -Math.Log(4)]),
            ([max, max], [0.5, 0.5], [-Math.Log(2), -Math.Log(2)]),
            ([max, -max], [1, 0], [0, double.NegativeInfinity]),
            ([-max, -max], [0.5, 0.5], [-Math.Log(2), -Math.Log(2)]),
            ([-max, Of<T>(3), -max], [0, 1, 0], [-D(max) - 3, 0, -D(max) - 3]), // -max - 3 rounds to -max
        ];

        foreach (var (logits, softmax, log) in cases)
        {
            // Padded to lengths that run the short float row, one vector and a vector plus a tail.
            foreach (int length in new[] { logits.Length, 16, 17, 40 })
            {
                T[] row = new T[length];
                row.AsSpan().Fill(T.NegativeInfinity);
                logits.CopyTo(row, 0);
                T[] y = new T[length], logY = new T[length];
                Softmax.Row<T>(row, y);
                Softmax.LogRow<T>(row, logY);
                for (int i = 0; i < logits.Length; i++)
                {
                    string context = $"{typeof(T).Name} [{string.Join(", ", logits)}] padded to {length}, element {i}";
                    AssertWithin(softmax[i], D(y[i]), 0, context);
                    AssertWithin(log[i], D(logY[i]), 2 * UnitRoundoff<T>() * Math.Abs(log[i]), context + " (log)");
                }

                for (int i = logits.Length; i < length; i++)
                {
                    Assert.Equal(0, D(y[i]));
                    Assert.Equal(double.NegativeInfinity, D(logY[i]));
                }
            }
        }
    }

    [Fact]
    public void Empty_rows_are_a_no_op()
    {
        float[] destination = [7f, 7f];
        Softmax.Row(ReadOnlySpan<float>.Empty, destination);
        Softmax.LogRow(ReadOnlySpan<float>.Empty, destination);
        Softmax.Backward(ReadOnlySpan<float>.Empty, ReadOnlySpan<float>.Empty, destination);
        Assert.Equal([7f, 7f], destination);

        double[] matrix = [7, 7, 7];
        Softmax.Rows(new ReadOnlySpan2D<double>(matrix, 0, 3, 0, 1), new Span2D<double>(matrix, 0, 3, 0, 1));
        Softmax.LogRows(new ReadOnlySpan2D<double>(matrix, 0, 0, 3, 0), new Span2D<double>(matrix, 0, 0, 3, 0));
        Softmax.BackwardRows(new ReadOnlySpan2D<double>(matrix, 0, 3, 0, 1), new ReadOnlySpan2D<double>(matrix, 0, 3, 0, 1), new Span2D<double>(matrix, 0, 3, 0, 1));
        Assert.Equal([7.0, 7.0, 7.0], matrix);
    }

    // ---- the seed's values (rtol 1e-5, atol 1e-6) ----

    [Fact]
    public void Seed_softmax_of_1_2()
    {
        Seed<float>([[1, 2]], [0.26894142, 0.73105858]);
        Seed<double>([[1, 2]], [0.26894142, 0.73105858]);
    }

    [Fact]
    public void Seed_softmax_rows_1001_1002_and_3_4_both_give_the_softmax_of_1_2()
    {
        Seed<float>([[1001, 1002], [3, 4]], [0.26894142, 0.73105858, 0.26894142, 0.73105858]);
        Seed<double>([[1001, 1002], [3, 4]], [0.26894142, 0.73105858, 0.26894142, 0.73105858]);
    }

    [Fact]
    public void Seed_softmax_of_minus1001_minus1002()
    {
        Seed<float>([[-1001, -1002]], [0.73105858, 0.26894142]);
        Seed<double>([[-1001, -1002]], [0.73105858, 0.26894142]);
    }

    private static void Seed<T>(double[][] rows, double[] expected)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] logits = rows.SelectMany(r => r).Select(Of<T>).ToArray();
        T[] y = new T[logits.Length];
        Softmax.Rows<T>(new ReadOnlySpan2D<T>(logits, rows.Length, rows[0].Length), new Span2D<T>(y, rows.Length, rows[0].Length));
        for (int i = 0; i < y.Length; i++)
        {
            AssertClose(expected[i], D(y[i]), 1e-5, 1e-6, $"{typeof(T).Name} softmax element {i}");
        }

        if (rows.Length == 1)
        {
            Softmax.Row<T>(logits, y);
            for (int i = 0; i < y.Length; i++)
            {
                AssertClose(expected[i], D(y[i]), 1e-5, 1e-6, $"{typeof(T).Name} softmax row element {i}");
            }
        }
    }

    // ---- error contract ----

    [Fact]
    public void Row_and_LogRow_reject_a_short_destination_naming_destination_and_write_nothing()
    {
        float[] destination = [7f, 7f, 7f];
        var error = Assert.Throws<ArgumentException>(() => Softmax.Row<float>(new float[4], destination));
        Assert.Equal("destination", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => Softmax.LogRow<float>(new float[4], destination));
        Assert.Equal("destination", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => Softmax.Backward<float>(new float[4], new float[4], destination));
        Assert.Equal("destination", error.ParamName);
        Assert.Equal([7f, 7f, 7f], destination);
    }

    [Fact]
    public void Row_LogRow_and_Backward_reject_a_destination_shifted_by_one_element_and_write_nothing()
    {
        double[] buffer = Enumerable.Range(0, 50).Select(i => i / 10.0).ToArray();
        double[] before = (double[])buffer.Clone();
        var error = Assert.Throws<ArgumentException>(() => Softmax.Row<double>(buffer.AsSpan(0, 20), buffer.AsSpan(1, 20)));
        Assert.Equal("destination", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => Softmax.LogRow<double>(buffer.AsSpan(1, 20), buffer.AsSpan(0, 20)));
        Assert.Equal("destination", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => Softmax.Backward<double>(buffer.AsSpan(0, 10), buffer.AsSpan(20, 10), buffer.AsSpan(1, 10)));
        Assert.Equal("destination", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => Softmax.Backward<double>(buffer.AsSpan(0, 10), buffer.AsSpan(20, 10), buffer.AsSpan(21, 10)));
        Assert.Equal("destination", error.ParamName);
        Assert.Equal(before, buffer);
    }

    [Fact]
    public void Backward_rejects_a_gradient_of_another_length_naming_outputGradient()
    {
        float[] destination = [7f, 7f, 7f];
        var error = Assert.Throws<ArgumentException>(() => Softmax.Backward<float>(new float[3], new float[2], destination));
        Assert.Equal("outputGradient", error.ParamName);
        Assert.Equal([7f, 7f, 7f], destination);
    }

    [Fact]
    public void Rows_LogRows_and_BackwardRows_reject_shape_mismatch_and_partial_overlap_and_write_nothing()
    {
        float[] buffer = Enumerable.Range(0, 80).Select(i => (i % 9) - 4f).ToArray();
        float[] before = (float[])buffer.Clone();
        ReadOnlySpan2D<float> X() => new(buffer, 0, 3, 5, 2);

        (Action Call, string Name)[] cases =
        [
            (() => Softmax.Rows(X(), new Span2D<float>(buffer, 40, 3, 4, 3)), "destination"),       // wrong width
            (() => Softmax.Rows(X(), new Span2D<float>(buffer, 40, 2, 5, 2)), "destination"),       // wrong height
            (() => Softmax.Rows(X(), new Span2D<float>(buffer, 1, 3, 5, 2)), "destination"),        // shifted one element
            (() => Softmax.Rows(X(), new Span2D<float>(buffer, 7, 3, 5, 2)), "destination"),        // shifted one row
            (() => Softmax.Rows(X(), new Span2D<float>(buffer, 0, 3, 5, 3)), "destination"),        // same start, other pitch
            (() => Softmax.LogRows(X(), new Span2D<float>(buffer, 40, 3, 6, 1)), "destination"),
            (() => Softmax.LogRows(X(), new Span2D<float>(buffer, 2, 3, 5, 2)), "destination"),
            (() => Softmax.BackwardRows(X(), new ReadOnlySpan2D<float>(buffer, 40, 3, 4, 0), new Span2D<float>(buffer, 60, 3, 5, 0)), "outputGradient"),
            (() => Softmax.BackwardRows(X(), new ReadOnlySpan2D<float>(buffer, 40, 3, 5, 0), new Span2D<float>(buffer, 60, 2, 5, 0)), "destination"),
            (() => Softmax.BackwardRows(X(), new ReadOnlySpan2D<float>(buffer, 40, 3, 5, 0), new Span2D<float>(buffer, 1, 3, 5, 2)), "destination"),
            (() => Softmax.BackwardRows(X(), new ReadOnlySpan2D<float>(buffer, 40, 3, 5, 0), new Span2D<float>(buffer, 41, 3, 5, 0)), "destination"),
        ];

        foreach (var (call, name) in cases)
        {
            var error = Assert.Throws<ArgumentException>(call);
            Assert.Equal(name, error.ParamName);
            Assert.Equal(before, buffer);
        }
    }

    [Fact]
    public void Softmax_rows_and_log_rows_allocate_nothing_after_warm_up()
    {
        float[] shortFloat = new float[64 * 10], longFloat = new float[8 * 300];
        double[] shortDouble = new double[64 * 10], longDouble = new double[8 * 300];
        float[] gradient = new float[8 * 300];
        void Run()
        {
            Softmax.Rows(new ReadOnlySpan2D<float>(shortFloat, 64, 10), new Span2D<float>(shortFloat, 64, 10));
            Softmax.Row<float>(shortFloat.AsSpan(0, 10), shortFloat.AsSpan(0, 10));
            Softmax.LogRows(new ReadOnlySpan2D<float>(shortFloat, 64, 10), new Span2D<float>(shortFloat, 64, 10));
            Softmax.Rows(new ReadOnlySpan2D<float>(longFloat, 8, 300), new Span2D<float>(longFloat, 8, 300));
            Softmax.LogRows(new ReadOnlySpan2D<float>(longFloat, 8, 300), new Span2D<float>(longFloat, 8, 300));
            Softmax.Rows(new ReadOnlySpan2D<double>(shortDouble, 64, 10), new Span2D<double>(shortDouble, 64, 10));
            Softmax.LogRows(new ReadOnlySpan2D<double>(shortDouble, 64, 10), new Span2D<double>(shortDouble, 64, 10));
            Softmax.Rows(new ReadOnlySpan2D<double>(longDouble, 8, 300), new Span2D<double>(longDouble, 8, 300));
            Softmax.LogRows(new ReadOnlySpan2D<double>(longDouble, 8, 300), new Span2D<double>(longDouble, 8, 300));
            Softmax.BackwardRows(new ReadOnlySpan2D<float>(longFloat, 8, 300), new ReadOnlySpan2D<float>(gradient, 8, 300), new Span2D<float>(gradient, 8, 300));
        }

        Assert.Equal(0, Allocations.FewestBytesInARound(Run));
    }
}
