using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Nn.Span.Tests;

/// <summary>
/// GradientCheck.Run: perturbs the caller's x in place and restores it bit for bit, calls the random-state reset
/// before every evaluation, finds wrong gradients and says where, reports the worst relative difference, validates
/// its options.
/// </summary>
/// <remarks>
/// Exact expectations come from functions whose central differences are known in closed form:
/// f = sum x^2 gives exactly 2x, f = sum x^3 gives 3x^2 + h^2. What remains is rounding: about 2^-53 |f| / h per
/// difference (stated at each test).
/// </remarks>
public sealed class GradientCheckTests
{
    private const double Step = 1e-4;

    private static double SumOfSquares(ReadOnlySpan<double> x, Span<double> gradient)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sum += x[i] * x[i];
            gradient[i] = 2 * x[i];
        }

        return sum;
    }

    private static double SumOfCubes(ReadOnlySpan<double> x, Span<double> gradient)
    {
        double sum = 0;
        for (int i = 0; i < x.Length; i++)
        {
            sum += x[i] * x[i] * x[i];
            gradient[i] = 3 * x[i] * x[i];
        }

        return sum;
    }

    private static long Bits(double value) => BitConverter.DoubleToInt64Bits(value);

    private static void AssertBitwiseEqual(double[] expected, double[] actual)
    {
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Bits(expected[i]) == Bits(actual[i]), $"x[{i}] changed from {expected[i]:R} to {actual[i]:R}");
        }
    }

    // ---- x in place, restored ----

    /// <summary>
    /// The seed's examples 0.1, 1e8, 123.456 round-trip through x + h - h; these do not: -0 (gives +0), tiny values
    /// (1e-9, 1e-5, the smallest subnormal), -4 and -0.125 (x - h falls into the binade below); 1e16 + h is 1e16 itself.
    /// </summary>
    private static readonly double[] AwkwardValues = [0.1, 1e8, 123.456, -0.0, 1e-9, 1e-5, double.Epsilon, -4.0, -0.125, 1e16, -7.3];

    [Fact]
    public void X_is_restored_bit_for_bit_even_where_x_plus_h_minus_h_is_not_x()
    {
        int notRoundTripping = AwkwardValues.Count(v => Bits((v + Step) - Step) != Bits(v) || Bits((v - Step) + Step) != Bits(v));
        Assert.True(notRoundTripping >= 6, $"only {notRoundTripping} values fail to round-trip; the test would not show a restore by arithmetic");

        double[] x = (double[])AwkwardValues.Clone();
        GradientCheck.Run(SumOfSquares, x);
        AssertBitwiseEqual(AwkwardValues, x);

        // Also after a failing check, and with a NaN carrying a payload.
        double[] withNaN = [.. AwkwardValues, BitConverter.Int64BitsToDouble(0x7FF8_0000_0000_1234)];
        double[] y = (double[])withNaN.Clone();
        GradientCheckResult result = GradientCheck.Run(SumOfSquares, y);
        Assert.False(result.Passed);
        AssertBitwiseEqual(withNaN, y);
    }

    [Fact]
    public void The_function_sees_the_callers_buffer_with_one_coordinate_at_x_plus_h_then_x_minus_h()
    {
        double[] original = [0.5, -2.25, 3.0, 1e-3];
        double[] x = (double[])original.Clone();
        int call = 0;

        GradientCheck.Run(
            (point, gradient) =>
            {
                Assert.True(Unsafe.AreSame(ref MemoryMarshal.GetReference(point), ref x[0]), "the function got a copy, not the caller's x");
                Assert.Equal(x.Length, point.Length);
                Assert.Equal(x.Length, gradient.Length);

                // Call 0 is the analytic evaluation at x; calls 2i + 1 and 2i + 2 move coordinate i alone to x_i + h, x_i - h.
                int moved = call == 0 ? -1 : (call - 1) / 2;
                for (int i = 0; i < point.Length; i++)
                {
                    double expected = i != moved ? original[i] : call % 2 == 1 ? original[i] + Step : original[i] - Step;
                    Assert.True(Bits(expected) == Bits(point[i]), $"call {call}: x[{i}] is {point[i]:R}, expected {expected:R}");
                }

                call++;
                return SumOfSquares(point, gradient);
            },
            x);

        Assert.Equal(1 + (2 * original.Length), call);
        AssertBitwiseEqual(original, x);
    }

    [Fact]
    public void X_is_restored_when_the_function_throws_during_a_perturbed_evaluation()
    {
        double[] original = [0.1, -4.0, 1e-9];
        foreach (int throwingCall in new[] { 3, 4, 6 })
        {
            double[] x = (double[])original.Clone();
            int call = 0;
            Assert.Throws<InvalidOperationException>(() => GradientCheck.Run(
                (point, gradient) => call++ == throwingCall ? throw new InvalidOperationException("cost failed") : SumOfSquares(point, gradient),
                x));
            AssertBitwiseEqual(original, x);
        }
    }

    // ---- random state ----

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(20)]
    public void ResetRandomState_is_called_once_before_every_evaluation_1_plus_2n_times(int length)
    {
        double[] x = Enumerable.Range(0, length).Select(i => (i * 0.37) - 1).ToArray();
        int resets = 0, evaluations = 0;
        var options = new GradientCheckOptions { ResetRandomState = () => resets++ };

        GradientCheck.Run(
            (point, gradient) =>
            {
                evaluations++;
                Assert.Equal(evaluations, resets); // exactly one reset since the previous evaluation
                return SumOfSquares(point, gradient);
            },
            x,
            options);

        Assert.Equal(1 + (2 * length), evaluations);
        Assert.Equal(1 + (2 * length), resets);
    }

    /// <summary>f = sum r_i x_i^2 with r_i drawn from a shared generator at every evaluation, as a cost with dropout would.</summary>
    private sealed class NoisyCost
    {
        public Random Source { get; set; } = new(7);

        public double Evaluate(ReadOnlySpan<double> x, Span<double> gradient)
        {
            double sum = 0;
            for (int i = 0; i < x.Length; i++)
            {
                double r = 0.5 + Source.NextDouble();
                sum += r * x[i] * x[i];
                gradient[i] = 2 * r * x[i];
            }

            return sum;
        }
    }

    [Fact]
    public void A_cost_drawing_from_a_random_source_passes_when_the_source_is_reset_before_each_evaluation()
    {
        var cost = new NoisyCost();
        double[] x = [0.3, -1.2, 2.5, 0.7];
        GradientCheckResult result = GradientCheck.Run(cost.Evaluate, x, new GradientCheckOptions { ResetRandomState = () => cost.Source = new Random(7) });
        Assert.True(result.Passed, result.ToString());
    }

    [Fact]
    public void The_same_random_cost_fails_without_the_reset()
    {
        // Each evaluation draws new r_i: f(x + h) - f(x - h) is then O(1), not O(h), and the difference is huge.
        var cost = new NoisyCost();
        double[] x = [0.3, -1.2, 2.5, 0.7];
        GradientCheckResult result = GradientCheck.Run(cost.Evaluate, x);
        Assert.False(result.Passed);
        Assert.Equal(0, result.FailingIndex);
    }

    // ---- wrong gradients ----

    [Fact]
    public void A_gradient_off_by_a_small_amount_at_one_coordinate_fails_at_that_coordinate()
    {
        // ana_3 = 2 x_3 + 1e-4 = 1.4001: relative difference 1e-4 / 1.4001 = 7.1e-5 > 1e-5. The numeric derivative is
        // exactly 2 x_3 = 1.4 up to rounding, 2^-53 f / h = 1e-11 with f = 8.3.
        double[] x = [0.3, -1.2, 2.5, 0.7, -0.05];
        GradientCheckResult result = GradientCheck.Run(
            (point, gradient) =>
            {
                double f = SumOfSquares(point, gradient);
                gradient[3] += 1e-4;
                return f;
            },
            x);

        Assert.False(result.Passed);
        Assert.Equal(3, result.FailingIndex);
        Assert.Equal(3, result.WorstIndex);
        Assert.Equal(1.4001, result.Analytic, 1e-12);
        Assert.Equal(1.4, result.Numeric, 1e-10);
        Assert.Equal(1e-4 / 1.4001, result.WorstRelativeDifference, 1e-10);
        Assert.Equal(GradientCheck.RelativeDifference(result.Numeric, result.Analytic), result.WorstRelativeDifference);
    }

    [Fact]
    public void A_sign_error_fails_at_the_first_wrong_coordinate_and_the_worst_one_is_reported()
    {
        // Coordinate 0 is off by 1e-4 (relative 1e-4, the first failure); coordinate 2 has the wrong sign
        // (|5 - (-5)| / 5 = 2, the worst). Numeric values are exact up to 1e-10 (2^-53 f / h with f = 8.3).
        double[] x = [0.3, -1.2, 2.5, 0.7, -0.05];
        GradientCheckResult result = GradientCheck.Run(
            (point, gradient) =>
            {
                double f = SumOfSquares(point, gradient);
                gradient[0] += 1e-4;
                gradient[2] = -gradient[2];
                return f;
            },
            x);

        Assert.False(result.Passed);
        Assert.Equal(0, result.FailingIndex);
        Assert.Equal(0.6001, result.Analytic, 1e-12);
        Assert.Equal(0.6, result.Numeric, 1e-10);
        Assert.Equal(2, result.WorstIndex);
        Assert.Equal(2, result.WorstRelativeDifference, 1e-10);
    }

    [Fact]
    public void A_gradient_with_the_sign_of_every_coordinate_flipped_fails_at_coordinate_0()
    {
        double[] x = [0.3, -1.2, 2.5];
        GradientCheckResult result = GradientCheck.Run(
            (point, gradient) =>
            {
                double f = SumOfSquares(point, gradient);
                for (int i = 0; i < gradient.Length; i++)
                {
                    gradient[i] = -gradient[i];
                }

                return f;
            },
            x);

        Assert.False(result.Passed);
        Assert.Equal(0, result.FailingIndex);
        Assert.Equal(-0.6, result.Analytic, 1e-12);
        Assert.Equal(0.6, result.Numeric, 1e-10);
    }

    [Fact]
    public void A_nan_in_the_analytic_gradient_fails_and_is_reported_as_the_worst()
    {
        double[] x = [0.3, -1.2, 2.5];
        GradientCheckResult result = GradientCheck.Run(
            (point, gradient) =>
            {
                double f = SumOfSquares(point, gradient);
                gradient[1] = double.NaN;
                return f;
            },
            x);

        Assert.False(result.Passed);
        Assert.Equal(1, result.FailingIndex);
        Assert.Equal(1, result.WorstIndex);
        Assert.True(double.IsNaN(result.WorstRelativeDifference));
        Assert.True(double.IsNaN(result.Analytic));
    }

    // ---- the worst difference of a passing check ----

    [Theory]
    [InlineData(1e-4)]
    [InlineData(1e-3)]
    public void A_passing_check_reports_the_worst_relative_difference_with_its_coordinate(double step)
    {
        // For sum x^3 the central difference is exactly 3 x^2 + h^2. With x = [2, 0.1, 3] the relative differences are
        // h^2 / 12, h^2 / 1 and h^2 / 27: the worst is h^2 at coordinate 1. Rounding adds at most 2^-53 f / h with
        // f = 35 (4e-11 for h = 1e-4), well inside the 1e-10 allowed.
        double[] x = [2, 0.1, 3];
        GradientCheckResult result = GradientCheck.Run(SumOfCubes, x, new GradientCheckOptions { Step = step });

        Assert.True(result.Passed, result.ToString());
        Assert.Equal(-1, result.FailingIndex);
        Assert.Equal(1, result.WorstIndex);
        Assert.Equal(step * step, result.WorstRelativeDifference, 1e-10);
        Assert.Equal(0.03, result.Analytic, 1e-15);
        Assert.Equal(0.03 + (step * step), result.Numeric, 1e-10);
    }

    [Fact]
    public void The_tolerance_decides_between_pass_and_fail()
    {
        // The worst relative difference of sum x^3 at [2, 0.1, 3] is h^2 = 1e-8 (see above).
        double[] x = [2, 0.1, 3];
        Assert.True(GradientCheck.Run(SumOfCubes, x, new GradientCheckOptions { Tolerance = 2e-8 }).Passed);
        GradientCheckResult strict = GradientCheck.Run(SumOfCubes, x, new GradientCheckOptions { Tolerance = 5e-9 });
        Assert.False(strict.Passed);
        Assert.Equal(1, strict.FailingIndex);
    }

    [Fact]
    public void An_empty_x_passes_after_one_evaluation_with_no_worst_index()
    {
        int evaluations = 0;
        GradientCheckResult result = GradientCheck.Run(
            (_, _) =>
            {
                evaluations++;
                return 1;
            },
            Span<double>.Empty);

        Assert.Equal(1, evaluations);
        Assert.Equal(new GradientCheckResult(true, -1, 0, 0, 0, -1), result);
    }

    // ---- relative difference ----

    [Theory]
    [InlineData(0.5, 0.5 + 1e-6, 1e-6)]      // below 1: absolute
    [InlineData(0, 1e-3, 1e-3)]
    [InlineData(1000, 1000.001, 0.001 / 1000.001)] // above 1: relative to the larger magnitude
    [InlineData(-200, 200, 2)]
    [InlineData(3, 3, 0)]
    public void Relative_difference_is_absolute_below_one_and_relative_above(double numeric, double analytic, double expected)
    {
        Assert.Equal(expected, GradientCheck.RelativeDifference(numeric, analytic), 1e-12);
        Assert.Equal(expected, GradientCheck.RelativeDifference(analytic, numeric), 1e-12);
    }

    [Fact]
    public void Relative_difference_is_nan_when_either_side_is_nan()
    {
        Assert.True(double.IsNaN(GradientCheck.RelativeDifference(double.NaN, 1)));
        Assert.True(double.IsNaN(GradientCheck.RelativeDifference(1, double.NaN)));
    }

    // ---- options ----

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1e-4)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    public void A_step_that_is_not_positive_and_finite_throws_before_any_evaluation(double step)
    {
        AssertRejected(new GradientCheckOptions { Step = step });
    }

    [Theory]
    [InlineData(-1e-5)]
    [InlineData(double.NaN)]
    [InlineData(double.NegativeInfinity)]
    public void A_negative_or_nan_tolerance_throws_before_any_evaluation(double tolerance)
    {
        AssertRejected(new GradientCheckOptions { Tolerance = tolerance });
    }

    private static void AssertRejected(GradientCheckOptions options)
    {
        double[] original = [0.3, -1.2];
        double[] x = (double[])original.Clone();
        int evaluations = 0, resets = 0;
        options = options with { ResetRandomState = () => resets++ };

        var exception = Assert.Throws<ArgumentOutOfRangeException>(() => GradientCheck.Run(
            (point, gradient) =>
            {
                evaluations++;
                return SumOfSquares(point, gradient);
            },
            x,
            options));

        Assert.Equal("options", exception.ParamName);
        Assert.Equal(0, evaluations);
        Assert.Equal(0, resets);
        AssertBitwiseEqual(original, x);
    }

    [Fact]
    public void A_zero_tolerance_is_accepted()
    {
        // Only an exact central difference passes: f = x^2 at x = 0 gives (h^2 - h^2) / 2h = 0 = 2 * 0.
        double[] x = [0.0];
        Assert.True(GradientCheck.Run(SumOfSquares, x, new GradientCheckOptions { Tolerance = 0 }).Passed);
    }

    [Fact]
    public void A_null_function_throws_ArgumentNullException()
    {
        double[] x = [1.0];
        Assert.Equal("function", Assert.Throws<ArgumentNullException>(() => GradientCheck.Run(null!, x)).ParamName);
    }
}
