namespace Nn.Span.Tests;

/// <summary>
/// Plain scalar references computed in double, random data, and the guard-region helpers the kernel tests share.
/// </summary>
/// <remarks>
/// Tolerances are stated in units of the unit roundoff u = 2^-24 for float and 2^-53 for double (half the machine
/// epsilon 2^-23 and 2^-52): one correctly rounded operation is off by at most u times the size of its result.
/// </remarks>
internal static class Reference
{
    /// <summary>The value every guard element holds; no kernel under test computes it from the test data.</summary>
    public const double Sentinel = -12345.25;

    /// <summary>Unit roundoff: 2^-24 for float, 2^-53 for double.</summary>
    public static double UnitRoundoff<T>()
        where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? 1.0 / (1 << 24) : 1.0 / (1L << 53);

    /// <summary>The smallest positive normal number of T: below it, relative error bounds give way to absolute ones.</summary>
    public static double SmallestNormal<T>()
        where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? 1.1754943508222875e-38 : 2.2250738585072014e-308;

    public static double D<T>(T value)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        double.CreateTruncating(value);

    public static T Of<T>(double value)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        T.CreateTruncating(value);

    // ---- scalar references, in double ----

    /// <summary>sigma(x) = 1 / (1 + e^-x), written so that neither branch overflows.</summary>
    public static double Sigmoid(double x)
    {
        if (double.IsNaN(x))
        {
            return x;
        }

        if (x >= 0)
        {
            return 1 / (1 + Math.Exp(-x));
        }

        double e = Math.Exp(x);
        return e / (1 + e);
    }

    /// <summary>Max-shifted softmax of one row, with the library's documented limits for +Inf, -Inf and NaN.</summary>
    public static double[] Softmax(ReadOnlySpan<double> row)
    {
        double[] result = new double[row.Length];
        if (row.IsEmpty)
        {
            return result;
        }

        double max = Max(row);
        if (double.IsNaN(max) || double.IsNegativeInfinity(max))
        {
            Array.Fill(result, double.NaN);
            return result;
        }

        if (double.IsPositiveInfinity(max))
        {
            int infinities = 0;
            foreach (double value in row)
            {
                infinities += double.IsPositiveInfinity(value) ? 1 : 0;
            }

            for (int i = 0; i < row.Length; i++)
            {
                result[i] = double.IsPositiveInfinity(row[i]) ? 1.0 / infinities : 0;
            }

            return result;
        }

        double sum = 0;
        for (int i = 0; i < row.Length; i++)
        {
            result[i] = Math.Exp(row[i] - max);
            sum += result[i];
        }

        for (int i = 0; i < row.Length; i++)
        {
            result[i] /= sum;
        }

        return result;
    }

    /// <summary>Log-softmax of one row: (x_i - max) - log sum_j e^(x_j - max), with the same limits as <see cref="Softmax"/>.</summary>
    public static double[] LogSoftmax(ReadOnlySpan<double> row)
    {
        double[] result = new double[row.Length];
        if (row.IsEmpty)
        {
            return result;
        }

        double max = Max(row);
        if (double.IsNaN(max) || double.IsNegativeInfinity(max))
        {
            Array.Fill(result, double.NaN);
            return result;
        }

        if (double.IsPositiveInfinity(max))
        {
            double[] limit = Softmax(row);
            for (int i = 0; i < row.Length; i++)
            {
                result[i] = Math.Log(limit[i]);
            }

            return result;
        }

        double logSum = Math.Log(ShiftedSum(row, max));
        for (int i = 0; i < row.Length; i++)
        {
            result[i] = (row[i] - max) - logSum;
        }

        return result;
    }

    /// <summary>sum_j e^(x_j - max) for a row with a finite maximum.</summary>
    public static double ShiftedSum(ReadOnlySpan<double> row, double max)
    {
        double sum = 0;
        foreach (double value in row)
        {
            sum += Math.Exp(value - max);
        }

        return sum;
    }

    /// <summary>The largest element; NaN if any element is NaN.</summary>
    public static double Max(ReadOnlySpan<double> row)
    {
        double max = double.NegativeInfinity;
        foreach (double value in row)
        {
            if (double.IsNaN(value))
            {
                return double.NaN;
            }

            max = Math.Max(max, value);
        }

        return max;
    }

    /// <summary>The softmax's Jacobian-vector product y * (g - sum_j g_j y_j).</summary>
    public static double[] SoftmaxBackward(ReadOnlySpan<double> y, ReadOnlySpan<double> g)
    {
        double dot = 0;
        for (int j = 0; j < y.Length; j++)
        {
            dot += g[j] * y[j];
        }

        double[] result = new double[y.Length];
        for (int i = 0; i < y.Length; i++)
        {
            result[i] = y[i] * (g[i] - dot);
        }

        return result;
    }

    // ---- data ----

    /// <summary>Uniform values in [low, high), rounded to T.</summary>
    public static T[] Uniform<T>(Random random, int length, double low, double high)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = new T[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = Of<T>(low + (random.NextDouble() * (high - low)));
        }

        return values;
    }

    /// <summary>Sigmoid-like outputs: uniform in (0, 1).</summary>
    public static T[] Probabilities<T>(Random random, int length)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Uniform<T>(random, length, 1e-3, 1 - 1e-3);

    public static double[] ToDouble<T>(ReadOnlySpan<T> values)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = D(values[i]);
        }

        return result;
    }

    public static double[] Row<T>(ReadOnlySpan2D<T> matrix, int row)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        ToDouble(matrix.GetRowSpan(row));

    // ---- guarded buffers ----

    /// <summary>
    /// An array of <paramref name="guard"/> sentinels, <paramref name="length"/> payload elements, and
    /// <paramref name="guard"/> sentinels again; the payload starts at index <paramref name="guard"/>.
    /// </summary>
    public static T[] Guarded<T>(int length, int guard)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = new T[length + (2 * guard)];
        values.AsSpan().Fill(Of<T>(Sentinel));
        return values;
    }

    /// <summary>A strided matrix view of <paramref name="height"/> x <paramref name="width"/> with pitch gaps and guard regions, all filled with the sentinel.</summary>
    public static T[] GuardedMatrix<T>(int height, int width, int pitch, int guard)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Guarded<T>(height * (width + pitch), guard);

    /// <summary>Whether index <paramref name="index"/> of a guarded matrix array lies inside the view (not in a gap or guard).</summary>
    public static bool InView(int index, int height, int width, int pitch, int guard)
    {
        int offset = index - guard;
        if (offset < 0 || offset >= height * (width + pitch))
        {
            return false;
        }

        return offset % (width + pitch) < width;
    }

    /// <summary>Asserts that every element outside the view (pitch gaps and both guard regions) still holds the sentinel.</summary>
    public static void AssertOutsideViewUntouched<T>(T[] array, int height, int width, int pitch, int guard)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T sentinel = Of<T>(Sentinel);
        for (int index = 0; index < array.Length; index++)
        {
            if (!InView(index, height, width, pitch, guard) && !array[index].Equals(sentinel))
            {
                Assert.Fail($"element {index} outside the {height} x {width} view (pitch {pitch}, guard {guard}) was overwritten with {array[index]}");
            }
        }
    }

    /// <summary>Asserts that the guard regions around a vector payload still hold the sentinel.</summary>
    public static void AssertGuardsUntouched<T>(T[] array, int guard)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        T sentinel = Of<T>(Sentinel);
        for (int i = 0; i < guard; i++)
        {
            Assert.True(array[i].Equals(sentinel), $"guard element {i} before the payload was overwritten with {array[i]}");
            int after = array.Length - 1 - i;
            Assert.True(array[after].Equals(sentinel), $"guard element {after} after the payload was overwritten with {array[after]}");
        }
    }

    /// <summary>Asserts bitwise equality of two arrays (NaN equal to NaN), e.g. an input the kernel must not change.</summary>
    public static void AssertUnchanged<T>(T[] expected, T[] actual)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            if (!expected[i].Equals(actual[i]))
            {
                Assert.Fail($"element {i} changed from {expected[i]} to {actual[i]}");
            }
        }
    }

    // ---- comparisons ----

    /// <summary>|actual - expected| &lt;= bound, with NaN matching NaN and an infinity matching the same infinity.</summary>
    public static void AssertWithin(double expected, double actual, double bound, string context)
    {
        if (double.IsNaN(expected) || double.IsInfinity(expected))
        {
            Assert.True(expected.Equals(actual), $"{context}: expected {expected}, got {actual}");
            return;
        }

        Assert.True(Math.Abs(actual - expected) <= bound, $"{context}: expected {expected:R}, got {actual:R}, error {Math.Abs(actual - expected):E3} > bound {bound:E3}");
    }

    /// <summary>numpy's allclose rule: |actual - expected| &lt;= atol + rtol |expected|.</summary>
    public static void AssertClose(double expected, double actual, double rtol, double atol, string context) =>
        AssertWithin(expected, actual, atol + (rtol * Math.Abs(expected)), context);
}
