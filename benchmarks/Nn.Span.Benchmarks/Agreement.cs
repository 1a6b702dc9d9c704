using System.Numerics;

namespace Nn.Span.Benchmarks;

/// <summary>
/// Checks, once per benchmark setup, that a baseline and Nn.Span compute the same thing, so that
/// no row of the report times a different (or wrong) piece of work. The smoke run in CI executes
/// every setup, so a disagreement fails it.
/// </summary>
internal static class Agreement
{
    /// <summary>
    /// Throws when |actual - expected| > tolerance (1 + max |expected|) somewhere: a bound relative
    /// to the data's scale, loose enough for float rounding over long sums, tight enough to catch a
    /// wrong formula or a missing term.
    /// </summary>
    public static void Check<T>(ReadOnlySpan<T> expected, ReadOnlySpan<T> actual, double tolerance, string what)
        where T : IFloatingPointIeee754<T>
    {
        if (expected.Length != actual.Length)
        {
            throw new InvalidOperationException($"{what}: {actual.Length} values, expected {expected.Length}.");
        }

        double scale = 1;
        foreach (T value in expected)
        {
            scale = Math.Max(scale, Math.Abs(double.CreateChecked(value)));
        }

        for (int i = 0; i < expected.Length; i++)
        {
            double difference = Math.Abs(double.CreateChecked(actual[i]) - double.CreateChecked(expected[i]));
            if (!(difference <= tolerance * scale))
            {
                throw new InvalidOperationException(
                    $"{what}: element {i} is {actual[i]}, the baseline gives {expected[i]} (tolerance {tolerance * scale:G3}).");
            }
        }
    }

    /// <summary>The row-major contents of a rectangular array.</summary>
    public static T[] Flatten<T>(T[,] values)
    {
        var flat = new T[values.Length];
        int i = 0;
        foreach (T value in values)
        {
            flat[i++] = value;
        }

        return flat;
    }
}
