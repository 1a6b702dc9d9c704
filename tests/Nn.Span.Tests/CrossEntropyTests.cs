using static Nn.Span.Tests.Reference;

namespace Nn.Span.Tests;

/// <summary>
/// CrossEntropy.Loss (from probabilities) and CrossEntropy.FromLogits (fused softmax, loss and gradient), with class
/// indices and one-hot rows, against double references; huge and special logits; the error contract.
/// </summary>
/// <remarks>
/// Tolerances, with u the unit roundoff (2^-24 float, 2^-53 double), n classes and N rows:
/// Loss = -(1/N) sum log p: each logarithm is off by at most 2u |log p|, the sum of N terms by N u sum |log p|, the
/// division once more; the tests allow (N + 4) u sum |log p| / N.
/// FromLogits, row loss l = m + log S - z[label]: the three additions and the logarithm are off by at most
/// u (|m| + |log S| + |z[label]| + |l|); S itself by (n + 4) u relatively, which moves log S by that much absolutely; the
/// float short-row path takes one logarithm of a product of up to 8 sums, 8 more roundings. So a row is within
/// (|m| + |log S| + |z[label]| + |l| + n + 16) u, and the mean adds (N + 2) u sum |l| for summing and scaling.
/// Gradient (y_i - [i = label]) / N: y_i within (|z_i - m| + n + 16) u y_i as for the softmax, 1/N and the scale
/// two more roundings, and the subtraction of 1/N one rounding of the result plus the rounding of 1/N itself.
/// </remarks>
public sealed class CrossEntropyTests
{
    private const int Guard = 13;

    // ---- references ----

    /// <summary>logsumexp(z) - z[label] in double; with +Inf logits the limit -log(softmax(z)[label]).</summary>
    private static double RowLoss(double[] z, int label)
    {
        double max = Max(z);
        if (!double.IsFinite(max))
        {
            return -Math.Log(Softmax(z)[label]);
        }

        return max + Math.Log(ShiftedSum(z, max)) - z[label];
    }

    private static double RowLossBound<T>(double[] z, int label, double loss)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double max = Max(z);
        if (!double.IsFinite(max) || !double.IsFinite(loss))
        {
            return UnitRoundoff<T>() * Math.Abs(loss); // the limit log k, or an exact NaN or infinity
        }

        double logSum = Math.Log(ShiftedSum(z, max));
        return (Math.Abs(max) + Math.Abs(logSum) + Math.Abs(z[label]) + Math.Abs(loss) + z.Length + 16) * UnitRoundoff<T>();
    }

    /// <summary>Checks FromLogits' mean loss and every gradient row against the double reference.</summary>
    private static void AssertLossAndGradient<T>(ReadOnlySpan2D<T> logits, int[] labels, T loss, ReadOnlySpan2D<T> gradient, string context)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double u = UnitRoundoff<T>();
        int batch = logits.Height;
        double sum = 0, sumBound = 0, magnitude = 0;
        for (int row = 0; row < batch; row++)
        {
            double[] z = Reference.Row(logits, row);
            double rowLoss = RowLoss(z, labels[row]);
            sum += rowLoss;
            sumBound += RowLossBound<T>(z, labels[row], rowLoss);
            magnitude += Math.Abs(rowLoss);

            double[] y = Softmax(z);
            bool finiteRow = double.IsFinite(Max(z));
            for (int i = 0; i < z.Length; i++)
            {
                double target = i == labels[row] ? 1 : 0;
                double expected = (y[i] - target) / batch;
                double softmaxError = !finiteRow ? u * y[i] : y[i] == 0 ? 0 : (Math.Abs(z[i] - Max(z)) + z.Length + 20) * u * y[i];
                double bound = (softmaxError + (2 * u * target) + (u * Math.Abs(y[i] - target))) / batch;
                AssertWithin(expected, D(gradient[row, i]), bound, $"{typeof(T).Name} {context}, gradient[{row},{i}] of {batch} x {z.Length}");
            }
        }

        double mean = sum / batch;
        double meanBound = (sumBound + ((batch + 2) * u * magnitude)) / batch;
        AssertWithin(mean, D(loss), meanBound, $"{typeof(T).Name} {context}, mean loss of {batch} x {logits.Width}");
    }

    private static T[] OneHot<T>(int[] labels, int classes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var y = new T[labels.Length * classes];
        for (int row = 0; row < labels.Length; row++)
        {
            y[(row * classes) + labels[row]] = T.One;
        }

        return y;
    }

    private static int[] Labels(Random random, int batch, int classes) =>
        Enumerable.Range(0, batch).Select(_ => random.Next(classes)).ToArray();

    // ---- loss from probabilities ----

    public static TheoryData<int, int> BatchShapes() => new()
    {
        { 1, 1 }, { 1, 2 }, { 2, 3 }, { 3, 10 }, { 7, 16 }, { 5, 17 }, { 20, 10 }, { 64, 10 }, { 4, 33 }, { 13, 7 },
        { 2, 257 }, { 11, 64 }, { 3, 65 },

        // float rows of at most 16 go sixteen at a time through a transposed tile, and the last 1 to 3 rows one by one
        { 4, 10 }, { 16, 1 }, { 17, 10 }, { 19, 16 }, { 35, 3 }, { 33, 9 }, { 48, 15 }, { 100, 10 },
    };

    [Theory]
    [MemberData(nameof(BatchShapes))]
    public void Loss_from_probabilities_matches_reference_for_labels_and_one_hot_rows(int batch, int classes)
    {
        LossFromProbabilities<float>(batch, classes);
        LossFromProbabilities<double>(batch, classes);
    }

    private static void LossFromProbabilities<T>(int batch, int classes)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random((batch * 100) + classes);
        const int pitch = 3;
        T[] storage = GuardedMatrix<T>(batch, classes, pitch, Guard);
        var probabilities = new Span2D<T>(storage, Guard, batch, classes, pitch);
        ActivationsTests.FillView(random, probabilities, -6, 6);
        Softmax.Rows<T>(probabilities, probabilities);
        int[] labels = Labels(random, batch, classes);
        T[] before = (T[])storage.Clone();

        double sum = 0, magnitude = 0;
        for (int row = 0; row < batch; row++)
        {
            double log = Math.Log(D(probabilities[row, labels[row]]));
            sum -= log;
            magnitude += Math.Abs(log);
        }

        double bound = (batch + 4) * UnitRoundoff<T>() * magnitude / batch;
        T loss = CrossEntropy.Loss<T>(probabilities, labels);
        AssertWithin(sum / batch, D(loss), bound, $"{typeof(T).Name} loss with labels, {batch} x {classes}");

        T[] oneHot = OneHot<T>(labels, classes);
        T oneHotLoss = CrossEntropy.Loss<T>(probabilities, new ReadOnlySpan2D<T>(oneHot, batch, classes));
        AssertWithin(sum / batch, D(oneHotLoss), bound, $"{typeof(T).Name} loss with one-hot rows, {batch} x {classes}");
        AssertUnchanged(before, storage);
    }

    [Fact]
    public void Loss_from_probabilities_is_infinite_for_a_zero_probability_and_nan_for_nan()
    {
        // Documented: +Inf when a labelled probability is 0; NaN propagates.
        double[] p = [0.5, 0.5, 0, 1, double.NaN, 1];
        Assert.Equal(double.PositiveInfinity, CrossEntropy.Loss<double>(new ReadOnlySpan2D<double>(p, 0, 2, 2, 0), [0, 0]));
        Assert.Equal(Math.Log(2) / 2, CrossEntropy.Loss<double>(new ReadOnlySpan2D<double>(p, 0, 2, 2, 0), [0, 1]), 15);
        Assert.True(double.IsNaN(CrossEntropy.Loss<double>(new ReadOnlySpan2D<double>(p, 0, 3, 2, 0), [0, 1, 0])));
        float[] oneHot = [0, 1, 1, 0];
        float[] q = [0.25f, 0.75f, 0f, 1f];
        Assert.Equal(float.PositiveInfinity, CrossEntropy.Loss<float>(new ReadOnlySpan2D<float>(q, 2, 2), new ReadOnlySpan2D<float>(oneHot, 2, 2)));
    }

    // ---- fused loss and gradient from logits ----

    [Theory]
    [MemberData(nameof(BatchShapes))]
    public void FromLogits_loss_and_gradient_match_reference_for_labels(int batch, int classes)
    {
        FromLogitsOnStridedViews<float>(batch, classes, oneHot: false);
        FromLogitsOnStridedViews<double>(batch, classes, oneHot: false);
    }

    [Theory]
    [MemberData(nameof(BatchShapes))]
    public void FromLogits_loss_and_gradient_match_reference_for_one_hot_rows(int batch, int classes)
    {
        FromLogitsOnStridedViews<float>(batch, classes, oneHot: true);
        FromLogitsOnStridedViews<double>(batch, classes, oneHot: true);
    }

    private static T FromLogits<T>(ReadOnlySpan2D<T> logits, int[] labels, Span2D<T> gradient, bool oneHot)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (!oneHot)
        {
            return CrossEntropy.FromLogits(logits, labels, gradient);
        }

        T[] y = OneHot<T>(labels, logits.Width);
        return CrossEntropy.FromLogits(logits, new ReadOnlySpan2D<T>(y, logits.Height, logits.Width), gradient);
    }

    private static void FromLogitsOnStridedViews<T>(int batch, int classes, bool oneHot)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random((batch * 1000) + classes);
        const int pitch = 5;
        T[] source = GuardedMatrix<T>(batch, classes, pitch, Guard);
        var logits = new Span2D<T>(source, Guard, batch, classes, pitch);
        ActivationsTests.FillView(random, logits, -10, 10);
        int[] labels = Labels(random, batch, classes);
        T[] sourceBefore = (T[])source.Clone();
        T[] target = GuardedMatrix<T>(batch, classes, 1, Guard);
        var gradient = new Span2D<T>(target, Guard, batch, classes, 1);

        T loss = FromLogits<T>(logits, labels, gradient, oneHot);

        AssertUnchanged(sourceBefore, source);
        AssertOutsideViewUntouched(target, batch, classes, 1, Guard);
        AssertLossAndGradient<T>(logits, labels, loss, gradient, oneHot ? "one-hot" : "labels");

        // In place: the gradient overwrites the logits; the same loss and the same gradient bits.
        T inPlaceLoss = FromLogits<T>(logits, labels, logits, oneHot);
        AssertOutsideViewUntouched(source, batch, classes, pitch, Guard);
        Assert.Equal(loss, inPlaceLoss);
        ActivationsTests.AssertSameValues<T>(gradient, logits);
    }

    public static TheoryData<int> ShortRowWidths() => [.. Enumerable.Range(1, 16)];

    [Theory]
    [MemberData(nameof(ShortRowWidths))]
    public void FromLogits_float_short_rows_match_reference_for_every_tile_remainder_and_label_position(int classes)
    {
        // Float rows of at most 16 logits go in tiles (16 rows with AVX-512, 8 rows with AVX2, transposed on the way in
        // and out): every remainder of a last tile of either size, labels cycling over every position, a gap after each
        // row and guards around both matrices (a tile reads and writes nothing past a row's width or past the last row).
        foreach (int batch in new[] { 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 23, 33 })
        {
            var random = new Random((batch * 100) + classes);
            const int pitch = 3;
            float[] source = GuardedMatrix<float>(batch, classes, pitch, Guard);
            var logits = new Span2D<float>(source, Guard, batch, classes, pitch);
            ActivationsTests.FillView(random, logits, -30, 30);
            int[] labels = [.. Enumerable.Range(0, batch).Select(row => (row + batch) % classes)];
            float[] sourceBefore = (float[])source.Clone();
            float[] target = GuardedMatrix<float>(batch, classes, pitch, Guard);
            var gradient = new Span2D<float>(target, Guard, batch, classes, pitch);

            float loss = CrossEntropy.FromLogits<float>(logits, labels, gradient);

            AssertUnchanged(sourceBefore, source);
            AssertOutsideViewUntouched(target, batch, classes, pitch, Guard);
            AssertLossAndGradient<float>(logits, labels, loss, gradient, "cycling labels");

            float inPlaceLoss = CrossEntropy.FromLogits<float>(logits, labels, logits);
            AssertOutsideViewUntouched(source, batch, classes, pitch, Guard);
            Assert.Equal(loss, inPlaceLoss);
            ActivationsTests.AssertSameValues<float>(gradient, logits);
        }
    }

    [Fact]
    public void FromLogits_float_short_row_with_nan_at_any_tile_lane_leaves_the_other_rows_bitwise_the_same()
    {
        // A row that gets a NaN sum is not stored from its tile but goes through the general path; every other row of the
        // tile keeps the gradient it gets in a clean batch, wherever the NaN row sits in the tile (lane 0 to 7 of an
        // 8-row tile, and of the first 16-row tile with AVX-512).
        var random = new Random(1717);
        foreach (int classes in new[] { 1, 3, 8, 10, 16 })
        {
            const int batch = 16;
            float[] clean = Uniform<float>(random, batch * classes, -6, 6);
            int[] labels = Labels(random, batch, classes);
            float[] cleanGradient = new float[clean.Length];
            CrossEntropy.FromLogits(new ReadOnlySpan2D<float>(clean, batch, classes), labels, new Span2D<float>(cleanGradient, batch, classes));
            for (int nanRow = 0; nanRow < batch; nanRow++)
            {
                float[] dirty = (float[])clean.Clone();
                dirty[(nanRow * classes) + ((nanRow + 1) % classes)] = float.NaN;
                CrossEntropy.FromLogits(new ReadOnlySpan2D<float>(dirty, batch, classes), labels, new Span2D<float>(dirty, batch, classes));
                for (int row = 0; row < batch; row++)
                {
                    for (int i = 0; i < classes; i++)
                    {
                        float value = dirty[(row * classes) + i];
                        string context = $"{classes} classes, NaN in row {nanRow}: gradient[{row}, {i}] = {value}";
                        Assert.True(row == nanRow ? float.IsNaN(value) : value.Equals(cleanGradient[(row * classes) + i]), context);
                    }
                }
            }
        }
    }

    [Fact]
    public void FromLogits_float_gradient_rows_do_not_depend_on_their_neighbours()
    {
        // Short float rows go sixteen at a time; a tile holding a NaN or +Inf row goes row by row, and so does a last
        // tile of fewer than four rows (19 = 16 + 3: the +Inf row 18 is one of those). The other rows of that tile must
        // get bitwise the gradient they get in a clean batch, and the special rows their own limits.
        var random = new Random(919);
        foreach (int classes in new[] { 3, 10, 16 })
        {
            foreach (int batch in new[] { 19, 20, 37, 64 })
            {
                float[] clean = Uniform<float>(random, batch * classes, -12, 12);
                int[] labels = Labels(random, batch, classes);
                float[] dirty = (float[])clean.Clone();
                dirty[(5 * classes) + 1] = float.NaN;
                dirty[(18 * classes) + (classes / 2)] = float.PositiveInfinity;
                float[] cleanGradient = new float[clean.Length];
                float[] dirtyGradient = new float[clean.Length];

                float cleanLoss = CrossEntropy.FromLogits(new ReadOnlySpan2D<float>(clean, batch, classes), labels, new Span2D<float>(cleanGradient, batch, classes));
                float dirtyLoss = CrossEntropy.FromLogits(new ReadOnlySpan2D<float>(dirty, batch, classes), labels, new Span2D<float>(dirtyGradient, batch, classes));

                Assert.True(float.IsFinite(cleanLoss));
                Assert.True(float.IsNaN(dirtyLoss));
                for (int row = 0; row < batch; row++)
                {
                    for (int i = 0; i < classes; i++)
                    {
                        float value = dirtyGradient[(row * classes) + i];
                        string context = $"{batch} x {classes}, gradient[{row}, {i}] = {value}";
                        if (row == 5)
                        {
                            Assert.True(float.IsNaN(value), context);
                        }
                        else if (row != 18)
                        {
                            Assert.True(value.Equals(cleanGradient[(row * classes) + i]), context);
                        }
                    }
                }

                // The +Inf row: softmax puts all its mass on the infinite logit.
                float[] expected = new float[classes];
                expected[classes / 2] = 1f / batch;
                expected[labels[18]] -= 1f / batch;
                Assert.Equal(expected, dirtyGradient.AsSpan(18 * classes, classes).ToArray());
            }
        }
    }

    [Fact]
    public void FromLogits_agrees_with_loss_of_softmax_for_moderate_logits()
    {
        // Both within their bounds of the same exact value; the tests allow the sum of the two bounds, simplified to
        // (n + N + 40) u times the loss magnitude plus the logits' magnitude.
        var random = new Random(301);
        foreach (int classes in new[] { 2, 10, 16, 17, 100 })
        {
            const int batch = 9;
            float[] logits = Uniform<float>(random, batch * classes, -5, 5);
            int[] labels = Labels(random, batch, classes);
            float[] gradient = new float[logits.Length], probabilities = new float[logits.Length];
            float fused = CrossEntropy.FromLogits(new ReadOnlySpan2D<float>(logits, batch, classes), labels, new Span2D<float>(gradient, batch, classes));
            Softmax.Rows(new ReadOnlySpan2D<float>(logits, batch, classes), new Span2D<float>(probabilities, batch, classes));
            float separate = CrossEntropy.Loss(new ReadOnlySpan2D<float>(probabilities, batch, classes), labels);
            double bound = (classes + batch + 40) * UnitRoundoff<float>() * (Math.Abs(fused) + 10);
            AssertWithin(fused, separate, bound, $"{classes} classes");
        }
    }

    [Fact]
    public void FromLogits_loss_is_finite_for_huge_finite_logits_where_log_of_softmax_is_infinite()
    {
        // Double: logits anywhere in [-1e30, 1e30]. -log softmax(z)[label] is +Inf as soon as the labelled
        // probability underflows to 0; the loss through logsumexp(z) - z[label] stays finite (and accurate).
        var random = new Random(302);
        int infiniteByLogOfSoftmax = 0;
        foreach (int classes in new[] { 2, 3, 10, 16, 17, 40 })
        {
            const int batch = 12;
            double[] logits = Uniform<double>(random, batch * classes, -1e30, 1e30);
            int[] labels = Labels(random, batch, classes);
            double[] gradient = new double[logits.Length];
            var view = new ReadOnlySpan2D<double>(logits, batch, classes);
            double loss = CrossEntropy.FromLogits(view, labels, new Span2D<double>(gradient, batch, classes));
            Assert.True(double.IsFinite(loss), $"loss {loss} for {classes} classes");
            AssertLossAndGradient<double>(view, labels, loss, new ReadOnlySpan2D<double>(gradient, batch, classes), "logits up to 1e30");

            double[] y = new double[logits.Length];
            Softmax.Rows(view, new Span2D<double>(y, batch, classes));
            infiniteByLogOfSoftmax += labels.Where((label, row) => double.IsPositiveInfinity(-Math.Log(y[(row * classes) + label]))).Count();
        }

        Assert.True(infiniteByLogOfSoftmax > 20, "most labelled probabilities underflow, so -log softmax is +Inf there");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(16)]
    [InlineData(37)]
    public void FromLogits_float_loss_is_finite_for_logits_near_float_max(int batch)
    {
        // Float logits up to +-3e38 (float max is 3.40e38). A row's loss is about max - z[label]; the rows here keep
        // it representable (the labelled logit at most 3e38 below the row's maximum), so the mean is representable
        // too and must come out finite, although the sum of the rows' losses exceeds float max.
        // (A row such as [3e38, -3e38] with label 1 has the exact loss 6e38, which no float can hold.)
        var random = new Random(303 + batch);
        foreach (int classes in new[] { 2, 10, 16, 17, 33 })
        {
            float[] logits = new float[batch * classes];
            int[] labels = Labels(random, batch, classes);
            for (int row = 0; row < batch; row++)
            {
                for (int i = 0; i < classes; i++)
                {
                    logits[(row * classes) + i] = (float)(random.NextDouble() * 3e38);
                }

                logits[(row * classes) + ((labels[row] + 1) % classes)] = 3e38f;
                logits[(row * classes) + labels[row]] = 0f;
            }

            float[] gradient = new float[logits.Length];
            var view = new ReadOnlySpan2D<float>(logits, batch, classes);
            float loss = CrossEntropy.FromLogits(view, labels, new Span2D<float>(gradient, batch, classes));
            Assert.True(float.IsFinite(loss), $"loss {loss} for {batch} x {classes}");
            AssertLossAndGradient<float>(view, labels, loss, new ReadOnlySpan2D<float>(gradient, batch, classes), "logits near float max");

            float[] gradientOneHot = new float[logits.Length];
            float lossOneHot = CrossEntropy.FromLogits(view, new ReadOnlySpan2D<float>(OneHot<float>(labels, classes), batch, classes), new Span2D<float>(gradientOneHot, batch, classes));
            Assert.True(float.IsFinite(lossOneHot), $"one-hot loss {lossOneHot} for {batch} x {classes}");
        }
    }

    [Fact]
    public void FromLogits_special_values_follow_the_softmax_limits()
    {
        SpecialLogits<float>();
        SpecialLogits<double>();
    }

    private static void SpecialLogits<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Expected, row by row: NaN in a row -> that row's loss and gradient NaN (so the mean is NaN), other rows
        // untouched by it; k entries of +Inf -> softmax limit 1/k, the row's loss log k when the label is one of them,
        // +Inf when it is not; a -Inf label among finite logits -> loss +Inf, gradient -1/N there; a row of -Inf -> NaN.
        var random = new Random(304);
        foreach (int classes in new[] { 1, 2, 5, 16, 17, 40 })
        {
            for (int special = 0; special < 7; special++)
            {
                const int batch = 4;
                T[] logits = Uniform<T>(random, batch * classes, -4, 4);
                int[] labels = Labels(random, batch, classes);
                const int row = 2;
                Span<T> z = logits.AsSpan(row * classes, classes);
                int label = labels[row], other = (label + 1) % classes;
                switch (special)
                {
                    case 0: z[other] = T.NaN; break;
                    case 1: z[label] = T.PositiveInfinity; break;
                    case 2: z[other] = T.PositiveInfinity; break;
                    case 3: (z[label], z[other]) = (T.PositiveInfinity, T.PositiveInfinity); break;
                    case 4: z[label] = T.NegativeInfinity; break;
                    case 5: z.Fill(T.NegativeInfinity); break;
                    default: z[label] = Of<T>(-0.0); z[other] = T.Zero; break;
                }

                T[] gradient = new T[logits.Length];
                var view = new ReadOnlySpan2D<T>(logits, batch, classes);
                T loss = CrossEntropy.FromLogits(view, labels, new Span2D<T>(gradient, batch, classes));
                AssertLossAndGradient<T>(view, labels, loss, new ReadOnlySpan2D<T>(gradient, batch, classes), $"special case {special}, {classes} classes");

                T[] gradientOneHot = new T[logits.Length];
                T lossOneHot = CrossEntropy.FromLogits(view, new ReadOnlySpan2D<T>(OneHot<T>(labels, classes), batch, classes), new Span2D<T>(gradientOneHot, batch, classes));
                AssertLossAndGradient<T>(view, labels, lossOneHot, new ReadOnlySpan2D<T>(gradientOneHot, batch, classes), $"one-hot special case {special}, {classes} classes");
            }
        }
    }

    // ---- error contract ----

    [Fact]
    public void Empty_batch_is_rejected_naming_the_input()
    {
        var error = Assert.Throws<ArgumentException>(() => CrossEntropy.Loss(ReadOnlySpan2D<float>.Empty, ReadOnlySpan<int>.Empty));
        Assert.Equal("probabilities", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => CrossEntropy.Loss(new ReadOnlySpan2D<float>(new float[3], 0, 0, 3, 0), new ReadOnlySpan2D<float>(new float[3], 0, 0, 3, 0)));
        Assert.Equal("probabilities", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => CrossEntropy.FromLogits(ReadOnlySpan2D<double>.Empty, ReadOnlySpan<int>.Empty, Span2D<double>.Empty));
        Assert.Equal("logits", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => CrossEntropy.FromLogits(ReadOnlySpan2D<double>.Empty, ReadOnlySpan2D<double>.Empty, Span2D<double>.Empty));
        Assert.Equal("logits", error.ParamName);
    }

    [Fact]
    public void Label_out_of_range_throws_naming_labels_and_the_row_and_writes_nothing()
    {
        foreach (int bad in new[] { -1, 4, int.MinValue, int.MaxValue })
        {
            float[] logits = Enumerable.Range(0, 12).Select(i => i * 0.5f).ToArray();
            float[] gradient = Enumerable.Repeat(7f, 12).ToArray();
            int[] labels = [0, 3, bad]; // the bad label is in the last row, after rows that could have been written

            var error = Assert.Throws<ArgumentOutOfRangeException>(() =>
                CrossEntropy.FromLogits(new ReadOnlySpan2D<float>(logits, 3, 4), labels, new Span2D<float>(gradient, 3, 4)));
            Assert.Equal("labels", error.ParamName);
            Assert.Equal(bad, error.ActualValue);
            Assert.Contains("row 2", error.Message, StringComparison.Ordinal);
            Assert.All(gradient, value => Assert.Equal(7f, value));

            // In place: the logits are the output, and stay as they were.
            float[] before = (float[])logits.Clone();
            error = Assert.Throws<ArgumentOutOfRangeException>(() =>
                CrossEntropy.FromLogits(new ReadOnlySpan2D<float>(logits, 3, 4), labels, new Span2D<float>(logits, 3, 4)));
            Assert.Equal("labels", error.ParamName);
            Assert.Equal(before, logits);

            error = Assert.Throws<ArgumentOutOfRangeException>(() => CrossEntropy.Loss(new ReadOnlySpan2D<float>(logits, 3, 4), labels));
            Assert.Equal("labels", error.ParamName);
        }
    }

    [Fact]
    public void Row_that_is_not_one_hot_throws_naming_oneHotLabels_and_the_row_and_writes_nothing()
    {
        double[][] badRows = [[0, 0, 0], [1, 1, 0], [0.5, 0.5, 0], [0, double.NaN, 1], [-1, 1, 1], [2, 0, 0], [0, 1, double.PositiveInfinity]];
        foreach (double[] bad in badRows)
        {
            double[] labels = [1, 0, 0, 0, 0, 1, .. bad];
            double[] logits = Enumerable.Range(0, 9).Select(i => i * 0.25).ToArray();
            double[] gradient = Enumerable.Repeat(7.0, 9).ToArray();

            var error = Assert.Throws<ArgumentException>(() => CrossEntropy.FromLogits(
                new ReadOnlySpan2D<double>(logits, 3, 3), new ReadOnlySpan2D<double>(labels, 3, 3), new Span2D<double>(gradient, 3, 3)));
            Assert.Equal("oneHotLabels", error.ParamName);
            Assert.Contains("Row 2", error.Message, StringComparison.Ordinal);
            Assert.All(gradient, value => Assert.Equal(7.0, value));

            error = Assert.Throws<ArgumentException>(() => CrossEntropy.Loss(new ReadOnlySpan2D<double>(logits, 3, 3), new ReadOnlySpan2D<double>(labels, 3, 3)));
            Assert.Equal("oneHotLabels", error.ParamName);
        }
    }

    [Fact]
    public void Wrong_lengths_and_shapes_throw_naming_the_parameter_and_write_nothing()
    {
        float[] logits = new float[12];
        float[] gradient = Enumerable.Repeat(7f, 20).ToArray();
        float[] oneHot = OneHot<float>([0, 1, 2], 4);
        ReadOnlySpan2D<float> Logits() => new(logits, 3, 4);

        (Action Call, string Name)[] cases =
        [
            (() => CrossEntropy.Loss(Logits(), [0, 1]), "labels"),
            (() => CrossEntropy.Loss(Logits(), new ReadOnlySpan2D<float>(oneHot, 0, 3, 3, 1)), "oneHotLabels"),
            (() => CrossEntropy.FromLogits(Logits(), [0, 1, 2, 3], new Span2D<float>(gradient, 3, 4)), "labels"),
            (() => CrossEntropy.FromLogits(Logits(), [0, 1, 2], new Span2D<float>(gradient, 4, 4)), "logitsGradient"),
            (() => CrossEntropy.FromLogits(Logits(), [0, 1, 2], new Span2D<float>(gradient, 3, 5)), "logitsGradient"),
            (() => CrossEntropy.FromLogits(Logits(), new ReadOnlySpan2D<float>(oneHot, 2, 4), new Span2D<float>(gradient, 3, 4)), "oneHotLabels"),
            (() => CrossEntropy.FromLogits(Logits(), new ReadOnlySpan2D<float>(oneHot, 3, 4), new Span2D<float>(gradient, 0, 3, 3, 1)), "logitsGradient"),
        ];

        foreach (var (call, name) in cases)
        {
            var error = Assert.Throws<ArgumentException>(call);
            Assert.Equal(name, error.ParamName);
            Assert.All(gradient, value => Assert.Equal(7f, value));
        }
    }

    [Fact]
    public void Gradient_partially_overlapping_the_logits_throws_and_writes_nothing()
    {
        float[] buffer = Enumerable.Range(0, 40).Select(i => (i % 5) * 0.5f).ToArray();
        float[] before = (float[])buffer.Clone();
        float[] oneHot = OneHot<float>([0, 1, 2], 4);

        var error = Assert.Throws<ArgumentException>(() => CrossEntropy.FromLogits(
            new ReadOnlySpan2D<float>(buffer, 0, 3, 4, 0), [0, 1, 2], new Span2D<float>(buffer, 1, 3, 4, 0)));
        Assert.Equal("logitsGradient", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => CrossEntropy.FromLogits(
            new ReadOnlySpan2D<float>(buffer, 4, 3, 4, 0), [0, 1, 2], new Span2D<float>(buffer, 0, 3, 4, 0)));
        Assert.Equal("logitsGradient", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => CrossEntropy.FromLogits(
            new ReadOnlySpan2D<float>(buffer, 0, 3, 4, 0), new ReadOnlySpan2D<float>(oneHot, 3, 4), new Span2D<float>(buffer, 3, 3, 4, 0)));
        Assert.Equal("logitsGradient", error.ParamName);
        Assert.Equal(before, buffer);
    }

    [Fact]
    public void Gradient_partially_overlapping_the_one_hot_labels_throws_and_writes_nothing()
    {
        // The gradient shifted by one row from the labels would overwrite label rows before they are read.
        float[] logits = Enumerable.Range(0, 12).Select(i => i * 0.25f).ToArray();
        float[] buffer = [.. OneHot<float>([0, 1, 2], 4), 0, 0, 0, 0];
        float[] before = (float[])buffer.Clone();

        var error = Assert.Throws<ArgumentException>(() => CrossEntropy.FromLogits(
            new ReadOnlySpan2D<float>(logits, 3, 4), new ReadOnlySpan2D<float>(buffer, 0, 3, 4, 0), new Span2D<float>(buffer, 4, 3, 4, 0)));
        Assert.Equal("logitsGradient", error.ParamName);
        Assert.Equal(before, buffer);
    }

    [Fact]
    public void One_hot_rows_decode_at_every_length_and_position_and_anything_else_is_rejected()
    {
        // Every length 0..40 (float vector tails at 16 and 32, double at 8..40), the 1 at each position; then a second
        // 1, or a value that is neither 0 nor 1, at each other position, in the same vector or another, or in the tail.
        double[] strays = [0.5, -1, 2, double.NaN, double.PositiveInfinity, double.NegativeInfinity, 1e-30];
        for (int length = 0; length <= 40; length++)
        {
            Assert.Equal(-1, CrossEntropy.OneHotLabel<float>(new float[length]));
            Assert.Equal(-1, CrossEntropy.OneHotLabel<double>(new double[length]));
            for (int one = 0; one < length; one++)
            {
                float[] row = new float[length];
                double[] wide = new double[length];
                row[one] = 1;
                wide[one] = 1;
                row[(one + 1) % length] = -0f; // -0 == 0: still one-hot (unless it overwrote the 1)
                Assert.Equal(length == 1 ? -1 : one, CrossEntropy.OneHotLabel<float>(row));
                row[(one + 1) % length] = 0;
                row[one] = 1;
                Assert.Equal(one, CrossEntropy.OneHotLabel<float>(row));
                Assert.Equal(one, CrossEntropy.OneHotLabel<double>(wide));
                for (int other = 0; other < length; other++)
                {
                    if (other == one)
                    {
                        continue;
                    }

                    row[other] = 1;
                    wide[other] = 1;
                    Assert.Equal(-1, CrossEntropy.OneHotLabel<float>(row));
                    Assert.Equal(-1, CrossEntropy.OneHotLabel<double>(wide));
                    double stray = strays[(one + other) % strays.Length];
                    row[other] = (float)stray;
                    wide[other] = stray;
                    Assert.Equal(-1, CrossEntropy.OneHotLabel<float>(row));
                    Assert.Equal(-1, CrossEntropy.OneHotLabel<double>(wide));
                    row[other] = 0;
                    wide[other] = 0;
                }
            }
        }
    }

    [Fact]
    public void FromLogits_allocates_nothing_after_warm_up()
    {
        float[] shortFloat = new float[64 * 10], longFloat = new float[8 * 300];
        double[] shortDouble = new double[64 * 10], longDouble = new double[8 * 300];
        float[] oneHotShort = OneHot<float>(new int[64], 10);
        double[] oneHotLong = OneHot<double>(new int[8], 300);
        int[] labels = new int[64];
        float sink = 0;
        void Run()
        {
            sink += CrossEntropy.FromLogits(new ReadOnlySpan2D<float>(shortFloat, 64, 10), labels, new Span2D<float>(shortFloat, 64, 10));
            sink += CrossEntropy.FromLogits(new ReadOnlySpan2D<float>(longFloat, 8, 300), labels.AsSpan(0, 8), new Span2D<float>(longFloat, 8, 300));
            sink += (float)CrossEntropy.FromLogits(new ReadOnlySpan2D<double>(shortDouble, 64, 10), labels, new Span2D<double>(shortDouble, 64, 10));
            sink += (float)CrossEntropy.FromLogits(new ReadOnlySpan2D<double>(longDouble, 8, 300), labels.AsSpan(0, 8), new Span2D<double>(longDouble, 8, 300));
            sink += CrossEntropy.FromLogits(new ReadOnlySpan2D<float>(shortFloat, 64, 10), new ReadOnlySpan2D<float>(oneHotShort, 64, 10), new Span2D<float>(shortFloat, 64, 10));
            sink += (float)CrossEntropy.FromLogits(new ReadOnlySpan2D<double>(longDouble, 8, 300), new ReadOnlySpan2D<double>(oneHotLong, 8, 300), new Span2D<double>(longDouble, 8, 300));
        }

        Assert.Equal(0, Allocations.FewestBytesInARound(Run));
        Assert.False(float.IsNaN(sink));
    }
}
