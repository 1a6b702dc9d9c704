namespace Nn.Span;

/// <summary>
/// A function whose gradient is checked: returns f(x) and writes df/dx into <paramref name="gradient"/>.
/// </summary>
/// <param name="x">The point; the checker perturbs it in place between calls.</param>
/// <param name="gradient">Receives the analytic gradient, as long as <paramref name="x"/>.</param>
/// <returns>The cost f(x).</returns>
public delegate double CostAndGradient(ReadOnlySpan<double> x, Span<double> gradient);

/// <summary>Settings of <see cref="GradientCheck.Run"/>; the defaults are the seed's.</summary>
public sealed record GradientCheckOptions
{
    /// <summary>The central-difference step h: num_i = (f(x + h e_i) - f(x - h e_i)) / 2h. Default 1e-4.</summary>
    public double Step { get; init; } = 1e-4;

    /// <summary>The largest relative difference |num - ana| / max(1, |num|, |ana|) that passes. Default 1e-5.</summary>
    public double Tolerance { get; init; } = 1e-5;

    /// <summary>
    /// Called before every evaluation of the function, so that a cost with built-in randomness sees the same random
    /// numbers each time (for example, re-seed the generator it uses). Default: none.
    /// </summary>
    public Action? ResetRandomState { get; init; }
}

/// <summary>The outcome of a gradient check.</summary>
/// <param name="Passed">Whether every coordinate was within the tolerance.</param>
/// <param name="FailingIndex">The first coordinate outside the tolerance, or -1 when the check passed.</param>
/// <param name="Analytic">The analytic derivative at <paramref name="FailingIndex"/> (or at <paramref name="WorstIndex"/> when passed).</param>
/// <param name="Numeric">The central-difference derivative at the same coordinate.</param>
/// <param name="WorstRelativeDifference">The largest relative difference over all coordinates.</param>
/// <param name="WorstIndex">Where the largest relative difference occurred, or -1 for an empty x.</param>
public readonly record struct GradientCheckResult(
    bool Passed,
    int FailingIndex,
    double Analytic,
    double Numeric,
    double WorstRelativeDifference,
    int WorstIndex);

/// <summary>
/// Checks an analytic gradient against central differences, in double precision.
/// </summary>
/// <remarks>
/// Each coordinate x_i is perturbed in place, x_i + h then x_i - h, and restored bit for bit afterwards, so the
/// function always sees the caller's buffer (never a copy). In float32 the rounding error of a central difference
/// with h = 1e-4 is about 1e-3, which is why the checker works in double; check a float network by evaluating it
/// in double.
/// </remarks>
public static class GradientCheck
{
    /// <summary>Checks the gradient of <paramref name="function"/> at <paramref name="x"/>.</summary>
    /// <param name="function">Returns f(x) and writes the analytic gradient.</param>
    /// <param name="x">The point; perturbed during the check and restored exactly before returning, also when <paramref name="function"/> throws.</param>
    /// <param name="options">Step, tolerance and random-state reset; null for the seed's defaults.</param>
    /// <returns>Whether it passed, where it first failed and by how much, and the worst relative difference.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The step is not positive and finite, or the tolerance is negative or NaN.</exception>
    public static GradientCheckResult Run(CostAndGradient function, Span<double> x, GradientCheckOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(function);
        options ??= new GradientCheckOptions();
        double step = options.Step;
        if (!(step > 0) || !double.IsFinite(step))
        {
            throw new ArgumentOutOfRangeException(nameof(options), step, "The step must be positive and finite.");
        }

        if (!(options.Tolerance >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Tolerance, "The tolerance must be zero or positive.");
        }

        double[] analytic = new double[x.Length];
        double[] scratch = new double[x.Length];
        Evaluate(function, x, analytic, options);

        int failing = -1;
        int worst = -1;
        double worstDifference = 0;
        double failingNumeric = 0;
        double worstNumeric = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double original = x[i];
            double plus, minus;
            try
            {
                x[i] = original + step;
                plus = Evaluate(function, x, scratch, options);
                x[i] = original - step;
                minus = Evaluate(function, x, scratch, options);
            }
            finally
            {
                // Restored even when the function throws: the caller's x is never left perturbed.
                x[i] = original;
            }

            // num_i = (f(x + h e_i) - f(x - h e_i)) / 2h;  rel = |num - ana| / max(1, |num|, |ana|)
            double numeric = (plus - minus) / (2 * step);
            double difference = RelativeDifference(numeric, analytic[i]);
            if (worst < 0 || difference > worstDifference || double.IsNaN(difference))
            {
                worst = i;
                worstDifference = difference;
                worstNumeric = numeric;
            }

            if (failing < 0 && !(difference <= options.Tolerance))
            {
                failing = i;
                failingNumeric = numeric;
            }
        }

        int reported = failing >= 0 ? failing : worst;
        return new GradientCheckResult(
            failing < 0,
            failing,
            reported >= 0 ? analytic[reported] : 0,
            failing >= 0 ? failingNumeric : worstNumeric,
            worstDifference,
            worst);
    }

    /// <summary>|num - ana| / max(1, |num|, |ana|): absolute below 1, relative above.</summary>
    /// <param name="numeric">The numeric derivative.</param>
    /// <param name="analytic">The analytic derivative.</param>
    /// <returns>The relative difference; NaN when either is NaN.</returns>
    public static double RelativeDifference(double numeric, double analytic) =>
        Math.Abs(numeric - analytic) / Math.Max(1, Math.Max(Math.Abs(numeric), Math.Abs(analytic)));

    private static double Evaluate(CostAndGradient function, ReadOnlySpan<double> x, Span<double> gradient, GradientCheckOptions options)
    {
        options.ResetRandomState?.Invoke();
        return function(x, gradient);
    }
}
