using static Nn.Span.Tests.Reference;

namespace Nn.Span.Tests;

/// <summary>
/// Sigmoid, its derivative from the output, and its backward pass against double references, on every length
/// 0..256 (every vector tail), on strided sub-matrices, in place, and with special values.
/// </summary>
/// <remarks>
/// Tolerances (u = unit roundoff, 2^-24 float, 2^-53 double):
/// sigmoid: float is documented within 3 ulp of the exact value, and one ulp of r is at most 2u |r|, so 6u |r|,
/// plus 3 * 2^-149 for subnormal results; double (TensorPrimitives, 1 / (1 + e^-x)) has one exp (about 1 ulp), an
/// addition and a division, also inside 6u |r|, plus the smallest normal double because e^-x overflows to +Inf
/// for x &lt; -709.78, where the exact result is subnormal and the computed one is 0.
/// s (1 - s) from an exactly given s: two roundings, 2u |r|; the tests allow 4u |r|.
/// g s (1 - s): three roundings, 3u |r|; the tests allow 4u |r|.
/// </remarks>
public sealed class ActivationsTests
{
    private const int Guard = 19;

    private static double SigmoidBound<T>(double exact)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        double absolute = typeof(T) == typeof(float) ? 3 * (double)float.Epsilon : SmallestNormal<double>();
        return (6 * UnitRoundoff<T>() * Math.Abs(exact)) + absolute;
    }

    private static double SigmoidRange<T>()
        where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? 110 : 750; // reaches saturation and subnormal results of each type

    // ---- sigmoid ----

    [Fact]
    public void Sigmoid_matches_double_reference_for_every_length()
    {
        SigmoidEveryLength<float>();
        SigmoidEveryLength<double>();
    }

    private static void SigmoidEveryLength<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(101);
        double range = SigmoidRange<T>();
        for (int length = 0; length <= 256; length++)
        {
            // Half the lengths on a narrow range (accuracy in the middle), half on the full range (saturation).
            double spread = length % 2 == 0 ? 8 : range;
            T[] x = Uniform<T>(random, length, -spread, spread);
            T[] input = (T[])x.Clone();
            T[] destination = Guarded<T>(length, Guard);

            Activations.Sigmoid<T>(x, destination.AsSpan(Guard, length));

            AssertUnchanged(input, x);
            AssertGuardsUntouched(destination, Guard);
            for (int i = 0; i < length; i++)
            {
                double exact = Sigmoid(D(x[i]));
                AssertWithin(exact, D(destination[Guard + i]), SigmoidBound<T>(exact), $"{typeof(T).Name} length {length}, sigmoid({x[i]}) at {i}");
            }
        }
    }

    [Fact]
    public void Sigmoid_of_inputs_longer_than_the_cache_hint_threshold_matches_double_reference_in_place_and_not()
    {
        // Inputs over 64 KiB take the loop that hints the lines ahead to the cache: lengths just over it, with every
        // vector tail, and one of several hundred KiB.
        foreach (int bytes in new[] { (64 * 1024) + 4, (64 * 1024) + 60, (64 * 1024) + 64, 600 * 1024 })
        {
            LongSigmoid<float>(bytes / sizeof(float));
            LongSigmoid<double>((bytes / sizeof(double)) + 1);
        }
    }

    private static void LongSigmoid<T>(int length, int guard = Guard)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(length);
        T[] x = Uniform<T>(random, length, -SigmoidRange<T>(), SigmoidRange<T>());
        T[] destination = Guarded<T>(length, guard);
        Activations.Sigmoid<T>(x, destination.AsSpan(guard, length));
        AssertGuardsUntouched(destination, guard);
        for (int i = 0; i < length; i++)
        {
            double exact = Sigmoid(D(x[i]));
            AssertWithin(exact, D(destination[guard + i]), SigmoidBound<T>(exact), $"{typeof(T).Name} length {length}, sigmoid({x[i]}) at {i}");
        }

        // In place, the float kernel gives the same bits; the double path (TensorPrimitives) may take another route for
        // some elements when the alignment differs, so it is held to the bound.
        T[] inPlace = Guarded<T>(length, guard);
        x.CopyTo(inPlace, guard);
        Activations.Sigmoid(inPlace.AsSpan(guard, length));
        AssertGuardsUntouched(inPlace, guard);
        if (typeof(T) == typeof(float))
        {
            AssertUnchanged(destination.AsSpan(guard, length).ToArray(), inPlace.AsSpan(guard, length).ToArray());
        }

        for (int i = 0; i < length; i++)
        {
            double exact = Sigmoid(D(x[i]));
            AssertWithin(exact, D(inPlace[guard + i]), SigmoidBound<T>(exact), $"{typeof(T).Name} length {length} in place, sigmoid({x[i]}) at {i}");
        }
    }

    [Fact]
    public void Long_float_sigmoid_matches_double_reference_at_every_destination_offset_from_a_cache_line()
    {
        // Inputs over 64 KiB take the loop that hints lines ahead to the cache; one just over it and one over 2 MiB
        // (more than a core's L2), each at all 16 float offsets from a cache-line boundary (guards of 16 to 31
        // elements), with a tail that is not a whole vector, out of place and in place.
        foreach (int length in new[] { (64 * 1024 / sizeof(float)) + 13, (2 * 1024 * 1024 / sizeof(float)) + 29 })
        {
            for (int offset = 0; offset < 16; offset++)
            {
                LongSigmoid<float>(length, 16 + offset);
            }
        }
    }

    [Fact]
    public void Sigmoid_in_place_equals_out_of_place_for_every_length()
    {
        SigmoidInPlace<float>();
        SigmoidInPlace<double>();
    }

    private static void SigmoidInPlace<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(102);
        for (int length = 0; length <= 256; length++)
        {
            T[] x = Uniform<T>(random, length, -20, 20);
            T[] expected = new T[length];
            Activations.Sigmoid<T>(x, expected);

            // Both in-place forms: the one-span overload and destination == x.
            T[] single = Guarded<T>(length, Guard);
            x.CopyTo(single, Guard);
            Activations.Sigmoid(single.AsSpan(Guard, length));
            T[] aliased = Guarded<T>(length, Guard);
            x.CopyTo(aliased, Guard);
            Span<T> view = aliased.AsSpan(Guard, length);
            Activations.Sigmoid<T>(view, view);

            AssertGuardsUntouched(single, Guard);
            AssertGuardsUntouched(aliased, Guard);
            AssertUnchanged(expected, single.AsSpan(Guard, length).ToArray());
            AssertUnchanged(expected, aliased.AsSpan(Guard, length).ToArray());
        }
    }

    [Fact]
    public void Element_wise_kernels_leave_the_rest_of_a_longer_destination_untouched()
    {
        LongerDestination<float>();
        LongerDestination<double>();
    }

    private static void LongerDestination<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // A destination may be longer than the input; only the first x.Length elements are written.
        var random = new Random(107);
        for (int length = 0; length <= 80; length++)
        {
            T[] x = Uniform<T>(random, length, -5, 5);
            T[] s = Probabilities<T>(random, length);
            foreach (int kernel in new[] { 0, 1, 2 })
            {
                T[] destination = Guarded<T>(length, Guard);
                Span<T> longer = destination.AsSpan(Guard, length + Guard); // runs into the guard after the payload
                switch (kernel)
                {
                    case 0: Activations.Sigmoid<T>(x, longer); break;
                    case 1: Activations.SigmoidDerivativeFromOutput<T>(s, longer); break;
                    default: Activations.SigmoidBackward<T>(x, s, longer); break;
                }

                AssertGuardsUntouched(destination, Guard);
            }
        }
    }

    [Fact]
    public void Sigmoid_of_x_plus_sigmoid_of_minus_x_is_one()
    {
        SigmoidSymmetry<float>();
        SigmoidSymmetry<double>();
    }

    private static void SigmoidSymmetry<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Each term is within 6u of its value (see the class remarks); the two values sum to 1, so the sum is
        // within 6u of 1 (the sum itself is taken in double).
        var random = new Random(103);
        T[] x = Uniform<T>(random, 1000, -SigmoidRange<T>(), SigmoidRange<T>());
        T[] minusX = x.Select(v => -v).ToArray();
        T[] s = new T[x.Length];
        T[] sMinus = new T[x.Length];
        Activations.Sigmoid<T>(x, s);
        Activations.Sigmoid<T>(minusX, sMinus);
        for (int i = 0; i < x.Length; i++)
        {
            AssertWithin(1, D(s[i]) + D(sMinus[i]), 6 * UnitRoundoff<T>(), $"{typeof(T).Name} sigmoid({x[i]}) + sigmoid(-x)");
        }
    }

    [Fact]
    public void Sigmoid_special_values_saturate_without_nan_at_every_position()
    {
        SigmoidSpecialValues<float>(float.MaxValue);
        SigmoidSpecialValues<double>(double.MaxValue);
    }

    private static void SigmoidSpecialValues<T>(T maxValue)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Documented: sigma(NaN) = NaN, sigma(+Inf) = 1, sigma(-Inf) = 0, sigma(+-0) = 0.5; large |x| saturates to
        // exactly 1 or 0 (1e4: e^-1e4 underflows to 0 in both types), never NaN. The inputs an AVX-512 float path
        // tells apart by class (+-1, the smallest subnormals) and those at the float exponential's clamp (+-104) are
        // held to the sigmoid's bound.
        (T Input, double Expected)[] cases =
        [
            (T.NaN, double.NaN), (T.PositiveInfinity, 1), (T.NegativeInfinity, 0), (T.Zero, 0.5), (T.NegativeZero, 0.5),
            (Of<T>(1e4), 1), (Of<T>(-1e4), 0), (maxValue, 1), (-maxValue, 0),
            (T.One, Sigmoid(1)), (T.NegativeOne, Sigmoid(-1)), (T.Epsilon, 0.5), (-T.Epsilon, 0.5),
            (Of<T>(104), Sigmoid(104)), (Of<T>(-104), Sigmoid(-104)),
        ];

        // Every position of lengths 1..70 puts each special value in every lane, in full vectors and the final one.
        var random = new Random(104);
        for (int length = 1; length <= 70; length++)
        {
            for (int position = 0; position < length; position++)
            {
                T[] x = Uniform<T>(random, length, -4, 4);
                var (input, expected) = cases[(length + position) % cases.Length];
                x[position] = input;
                T[] destination = new T[length];
                Activations.Sigmoid<T>(x, destination);
                double tolerance = double.IsNaN(expected) || expected is 0 or 0.5 or 1 ? 0 : SigmoidBound<T>(expected);
                AssertWithin(expected, D(destination[position]), tolerance, $"{typeof(T).Name} sigmoid({input}) at {position} of {length}");
                for (int i = 0; i < length; i++)
                {
                    if (i != position)
                    {
                        double exact = Sigmoid(D(x[i]));
                        AssertWithin(exact, D(destination[i]), SigmoidBound<T>(exact), $"neighbour {i} of a special value");
                    }
                }
            }
        }
    }

    public static TheoryData<int, int, int> MatrixShapes() => new()
    {
        { 1, 1, 0 }, { 1, 1, 3 }, { 2, 3, 1 }, { 3, 7, 2 }, { 5, 13, 3 }, { 7, 17, 5 }, { 2, 31, 1 }, { 4, 16, 16 },
        { 3, 33, 7 }, { 13, 64, 1 }, { 11, 65, 0 }, { 2, 257, 3 }, { 0, 5, 2 }, { 4, 0, 3 },
    };

    [Theory]
    [MemberData(nameof(MatrixShapes))]
    public void Sigmoid_on_strided_sub_matrix_matches_reference_and_leaves_gaps_untouched(int height, int width, int pitch)
    {
        SigmoidMatrix<float>(height, width, pitch);
        SigmoidMatrix<double>(height, width, pitch);
    }

    private static void SigmoidMatrix<T>(int height, int width, int pitch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random((height * 100) + width);
        T[] source = GuardedMatrix<T>(height, width, pitch, Guard);
        var x = new Span2D<T>(source, Guard, height, width, pitch);
        FillView(random, x, -30, 30);
        T[] sourceBefore = (T[])source.Clone();

        T[] target = GuardedMatrix<T>(height, width, pitch, Guard);
        var destination = new Span2D<T>(target, Guard, height, width, pitch);
        Activations.Sigmoid<T>(x, destination);

        AssertUnchanged(sourceBefore, source);
        AssertOutsideViewUntouched(target, height, width, pitch, Guard);
        AssertMatrix<T>(x, destination, v => Sigmoid(v), SigmoidBound<T>, "sigmoid");

        // In place: destination is the same view as x.
        Activations.Sigmoid<T>(x, x);
        AssertOutsideViewUntouched(source, height, width, pitch, Guard);
        AssertSameValues<T>(destination, x);

        // A contiguous destination for a strided input (and the reverse) takes the row-by-row path.
        T[] dense = Guarded<T>(height * width, Guard);
        var denseView = new Span2D<T>(dense, Guard, height, width, 0);
        Activations.Sigmoid<T>(new ReadOnlySpan2D<T>(sourceBefore, Guard, height, width, pitch), denseView);
        AssertGuardsUntouched(dense, Guard);
        AssertSameValues<T>(destination, denseView);
    }

    // ---- derivative from the output ----

    [Fact]
    public void SigmoidDerivativeFromOutput_is_s_times_one_minus_s_for_every_length()
    {
        DerivativeEveryLength<float>();
        DerivativeEveryLength<double>();
    }

    private static void DerivativeEveryLength<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(105);
        double bound = 4 * UnitRoundoff<T>();
        for (int length = 0; length <= 256; length++)
        {
            T[] s = Probabilities<T>(random, length);
            T[] input = (T[])s.Clone();
            T[] destination = Guarded<T>(length, Guard);
            Activations.SigmoidDerivativeFromOutput<T>(s, destination.AsSpan(Guard, length));
            AssertUnchanged(input, s);
            AssertGuardsUntouched(destination, Guard);

            T[] inPlace = Guarded<T>(length, Guard);
            s.CopyTo(inPlace, Guard);
            Activations.SigmoidDerivativeFromOutput(inPlace.AsSpan(Guard, length));
            AssertGuardsUntouched(inPlace, Guard);

            T[] aliased = Guarded<T>(length, Guard);
            s.CopyTo(aliased, Guard);
            Span<T> view = aliased.AsSpan(Guard, length);
            Activations.SigmoidDerivativeFromOutput<T>(view, view);
            AssertGuardsUntouched(aliased, Guard);

            for (int i = 0; i < length; i++)
            {
                double exact = D(s[i]) * (1 - D(s[i]));
                string context = $"{typeof(T).Name} length {length}, s(1 - s) at {i}";
                AssertWithin(exact, D(destination[Guard + i]), bound * exact, context);
                AssertWithin(exact, D(inPlace[Guard + i]), bound * exact, context + " (in place)");
                AssertWithin(exact, D(aliased[Guard + i]), bound * exact, context + " (destination == input)");
            }
        }
    }

    [Theory]
    [MemberData(nameof(MatrixShapes))]
    public void SigmoidDerivativeFromOutput_on_strided_sub_matrix_matches_reference_and_leaves_gaps_untouched(int height, int width, int pitch)
    {
        DerivativeMatrix<float>(height, width, pitch);
        DerivativeMatrix<double>(height, width, pitch);
    }

    private static void DerivativeMatrix<T>(int height, int width, int pitch)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random((height * 31) + width);
        T[] source = GuardedMatrix<T>(height, width, pitch, Guard);
        var s = new Span2D<T>(source, Guard, height, width, pitch);
        FillView(random, s, 1e-3, 1 - 1e-3);
        T[] sourceBefore = (T[])source.Clone();
        T[] target = GuardedMatrix<T>(height, width, pitch, Guard);
        var destination = new Span2D<T>(target, Guard, height, width, pitch);

        Activations.SigmoidDerivativeFromOutput<T>(s, destination);

        AssertUnchanged(sourceBefore, source);
        AssertOutsideViewUntouched(target, height, width, pitch, Guard);
        AssertMatrix<T>(s, destination, v => v * (1 - v), r => 4 * UnitRoundoff<T>() * r, "s(1 - s)");

        Activations.SigmoidDerivativeFromOutput<T>(s, s);
        AssertOutsideViewUntouched(source, height, width, pitch, Guard);
        AssertSameValues<T>(destination, s);
    }

    // ---- backward ----

    [Fact]
    public void SigmoidBackward_is_g_times_s_times_one_minus_s_for_every_length()
    {
        BackwardEveryLength<float>();
        BackwardEveryLength<double>();
    }

    private static void BackwardEveryLength<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var random = new Random(106);
        double bound = 4 * UnitRoundoff<T>();
        for (int length = 0; length <= 256; length++)
        {
            T[] g = Uniform<T>(random, length, -3, 3);
            T[] s = Probabilities<T>(random, length);
            T[] gBefore = (T[])g.Clone(), sBefore = (T[])s.Clone();
            T[] destination = Guarded<T>(length, Guard);
            Activations.SigmoidBackward<T>(g, s, destination.AsSpan(Guard, length));
            AssertUnchanged(gBefore, g);
            AssertUnchanged(sBefore, s);
            AssertGuardsUntouched(destination, Guard);

            // In place on either input.
            T[] onGradient = Guarded<T>(length, Guard);
            g.CopyTo(onGradient, Guard);
            Span<T> gView = onGradient.AsSpan(Guard, length);
            Activations.SigmoidBackward<T>(gView, s, gView);
            AssertGuardsUntouched(onGradient, Guard);

            T[] onSigmoid = Guarded<T>(length, Guard);
            s.CopyTo(onSigmoid, Guard);
            Span<T> sView = onSigmoid.AsSpan(Guard, length);
            Activations.SigmoidBackward<T>(g, sView, sView);
            AssertGuardsUntouched(onSigmoid, Guard);

            for (int i = 0; i < length; i++)
            {
                double exact = D(g[i]) * D(s[i]) * (1 - D(s[i]));
                double limit = bound * Math.Abs(exact);
                string context = $"{typeof(T).Name} length {length}, g s (1 - s) at {i}";
                AssertWithin(exact, D(destination[Guard + i]), limit, context);
                AssertWithin(exact, D(onGradient[Guard + i]), limit, context + " (destination == outputGradient)");
                AssertWithin(exact, D(onSigmoid[Guard + i]), limit, context + " (destination == sigmoid)");
            }
        }
    }

    [Fact]
    public void SigmoidBackward_propagates_nan_and_infinity_to_their_element_only()
    {
        // IEEE: NaN in g or s gives NaN; an infinite g times s (1 - s) > 0 stays infinite; all other elements finite.
        double[] g = [double.NaN, 1, double.PositiveInfinity, 2, -1, 0.5, 3, 1, 2];
        double[] s = [0.5, double.NaN, 0.25, 0.5, 0.5, 0.5, 0.5, 0.5, 0.75];
        double[] destination = new double[g.Length];
        Activations.SigmoidBackward<double>(g, s, destination);
        Assert.True(double.IsNaN(destination[0]));
        Assert.True(double.IsNaN(destination[1]));
        Assert.Equal(double.PositiveInfinity, destination[2]);
        Assert.All(destination[3..], value => Assert.True(double.IsFinite(value)));
    }

    // ---- the seed's values ----

    [Fact]
    public void Seed_sigmoid_of_1_2_minus1_minus2()
    {
        SeedSigmoid<float>();
        SeedSigmoid<double>();
    }

    private static void SeedSigmoid<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        // The seed's check: rtol 1e-5, atol 1e-6.
        T[] x = [Of<T>(1), Of<T>(2), Of<T>(-1), Of<T>(-2)];
        T[] s = new T[4];
        Activations.Sigmoid<T>(new ReadOnlySpan2D<T>(x, 2, 2), new Span2D<T>(s, 2, 2));
        double[] expected = [0.73105858, 0.88079708, 0.26894142, 0.11920292];
        for (int i = 0; i < 4; i++)
        {
            AssertClose(expected[i], D(s[i]), 1e-5, 1e-6, $"{typeof(T).Name} sigmoid[{i / 2},{i % 2}]");
        }
    }

    [Fact]
    public void Seed_sigmoid_derivative_of_1_2_minus1_minus2()
    {
        SeedDerivative<float>();
        SeedDerivative<double>();
    }

    private static void SeedDerivative<T>()
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] x = [Of<T>(1), Of<T>(2), Of<T>(-1), Of<T>(-2)];
        T[] values = new T[4];
        Activations.Sigmoid<T>(x, values);
        Activations.SigmoidDerivativeFromOutput<T>(new ReadOnlySpan2D<T>(values, 2, 2), new Span2D<T>(values, 2, 2));
        double[] expected = [0.19661193, 0.10499359, 0.19661193, 0.10499359];
        for (int i = 0; i < 4; i++)
        {
            AssertClose(expected[i], D(values[i]), 1e-5, 1e-6, $"{typeof(T).Name} sigmoid_grad[{i / 2},{i % 2}]");
        }
    }

    // ---- error contract ----

    [Fact]
    public void Sigmoid_rejects_a_short_destination_naming_destination_and_writes_nothing()
    {
        float[] destination = [7f, 7f, 7f];
        var error = Assert.Throws<ArgumentException>(() => Activations.Sigmoid<float>(new float[4], destination));
        Assert.Equal("destination", error.ParamName);
        Assert.Equal([7f, 7f, 7f], destination);

        double[] derivative = [7, 7];
        error = Assert.Throws<ArgumentException>(() => Activations.SigmoidDerivativeFromOutput<double>(new double[3], derivative));
        Assert.Equal("destination", error.ParamName);
        Assert.Equal([7.0, 7.0], derivative);

        float[] backward = [7f, 7f];
        error = Assert.Throws<ArgumentException>(() => Activations.SigmoidBackward<float>(new float[3], new float[3], backward));
        Assert.Equal("destination", error.ParamName);
        Assert.Equal([7f, 7f], backward);
    }

    [Fact]
    public void Sigmoid_rejects_a_destination_shifted_by_one_element_and_writes_nothing()
    {
        float[] buffer = Enumerable.Range(0, 40).Select(i => (float)i).ToArray();
        float[] before = (float[])buffer.Clone();
        var error = Assert.Throws<ArgumentException>(() => Activations.Sigmoid<float>(buffer.AsSpan(0, 39), buffer.AsSpan(1, 39)));
        Assert.Equal("destination", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => Activations.Sigmoid<float>(buffer.AsSpan(1, 39), buffer.AsSpan(0, 39)));
        Assert.Equal("destination", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => Activations.SigmoidDerivativeFromOutput<float>(buffer.AsSpan(0, 39), buffer.AsSpan(1, 39)));
        Assert.Equal("destination", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => Activations.SigmoidBackward<float>(buffer.AsSpan(0, 20), buffer.AsSpan(20, 20), buffer.AsSpan(1, 20)));
        Assert.Equal("destination", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => Activations.SigmoidBackward<float>(buffer.AsSpan(0, 20), buffer.AsSpan(20, 20), buffer.AsSpan(19, 20)));
        Assert.Equal("destination", error.ParamName);
        Assert.Equal(before, buffer);
    }

    [Fact]
    public void Sigmoid_matrix_rejects_a_shape_mismatch_or_partial_overlap_and_writes_nothing()
    {
        double[] buffer = Enumerable.Range(0, 64).Select(i => (double)i).ToArray();
        double[] before = (double[])buffer.Clone();
        ReadOnlySpan2D<double> X() => new(buffer, 0, 3, 5, 2);

        var error = Assert.Throws<ArgumentException>(() => Activations.Sigmoid(X(), new Span2D<double>(buffer, 30, 3, 4, 3)));
        Assert.Equal("destination", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => Activations.Sigmoid(X(), new Span2D<double>(buffer, 1, 3, 5, 2)));
        Assert.Equal("destination", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => Activations.Sigmoid(X(), new Span2D<double>(buffer, 7, 3, 5, 2))); // one row down
        Assert.Equal("destination", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => Activations.SigmoidDerivativeFromOutput(X(), new Span2D<double>(buffer, 2, 3, 5, 2)));
        Assert.Equal("destination", error.ParamName);
        error = Assert.Throws<ArgumentException>(() => Activations.SigmoidDerivativeFromOutput(X(), new Span2D<double>(buffer, 40, 5, 3, 0)));
        Assert.Equal("destination", error.ParamName);
        Assert.Equal(before, buffer);
    }

    [Fact]
    public void SigmoidBackward_rejects_inputs_of_different_lengths_naming_sigmoid()
    {
        float[] destination = [7f, 7f, 7f, 7f];
        var error = Assert.Throws<ArgumentException>(() => Activations.SigmoidBackward<float>(new float[4], new float[3], destination));
        Assert.Equal("sigmoid", error.ParamName);
        Assert.All(destination, value => Assert.Equal(7f, value));
    }

    [Fact]
    public void Sigmoid_and_its_backward_allocate_nothing_after_warm_up()
    {
        float[] xf = new float[1000], yf = new float[1000];
        double[] xd = new double[1000], yd = new double[1000];
        float[] matrix = new float[30 * 40];
        void Run()
        {
            Activations.Sigmoid<float>(xf, yf);
            Activations.Sigmoid<double>(xd, yd);
            Activations.Sigmoid(yf.AsSpan());
            Activations.Sigmoid(new ReadOnlySpan2D<float>(matrix, 0, 10, 30, 10), new Span2D<float>(matrix, 0, 10, 30, 10));
            Activations.SigmoidDerivativeFromOutput<float>(yf, yf);
            Activations.SigmoidBackward<double>(xd, yd, yd);
        }

        Assert.Equal(0, Allocations.FewestBytesInARound(Run));
    }

    // ---- helpers ----

    internal static void FillView<T>(Random random, Span2D<T> view, double low, double high)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < view.Height; i++)
        {
            Span<T> row = view.GetRowSpan(i);
            for (int j = 0; j < row.Length; j++)
            {
                row[j] = Of<T>(low + (random.NextDouble() * (high - low)));
            }
        }
    }

    private static void AssertMatrix<T>(ReadOnlySpan2D<T> input, ReadOnlySpan2D<T> output, Func<double, double> function, Func<double, double> bound, string name)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = 0; i < input.Height; i++)
        {
            for (int j = 0; j < input.Width; j++)
            {
                double exact = function(D(input[i, j]));
                AssertWithin(exact, D(output[i, j]), bound(exact), $"{typeof(T).Name} {name}[{i},{j}] of {input.Height} x {input.Width}");
            }
        }
    }

    internal static void AssertSameValues<T>(ReadOnlySpan2D<T> expected, ReadOnlySpan2D<T> actual)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Height, actual.Height);
        Assert.Equal(expected.Width, actual.Width);
        for (int i = 0; i < expected.Height; i++)
        {
            for (int j = 0; j < expected.Width; j++)
            {
                Assert.True(expected[i, j].Equals(actual[i, j]), $"[{i},{j}]: {expected[i, j]} vs {actual[i, j]}");
            }
        }
    }
}
