namespace Nn.Span.Tests;

/// <summary>
/// <see cref="ExponentialSum.Maximum{T}"/>, the shift of the softmax and of the loss: the largest element of a row, NaN
/// when the row holds a NaN, at every length 1..256 (rows shorter than a vector, the single-vector loop, the four-vector
/// loop and every tail). Each row sits between guard elements larger than any in it, so a read one element past either
/// end would show in the result. The maximum is exact, so the tests compare for equality (a zero maximum may come back
/// as either signed zero: the shift x - 0 is the same either way).
/// </summary>
public sealed class RowMaximumTests
{
    private const float GuardValue = 1e30f;

    [Fact]
    public void Maximum_is_the_largest_element_wherever_it_sits()
    {
        var random = new Random(31);
        for (int length = 1; length <= 256; length++)
        {
            float[] values = RandomRow(random, length);
            Assert.Equal(values.Max(), MaximumBetweenGuards(values));
            for (int position = 0; position < length; position++)
            {
                float[] row = (float[])values.Clone();
                row[position] = 10.5f;
                Assert.Equal(10.5f, MaximumBetweenGuards(row));
            }
        }
    }

    [Fact]
    public void Nan_anywhere_gives_nan_even_beside_infinities()
    {
        var random = new Random(32);
        for (int length = 1; length <= 256; length++)
        {
            float[] values = RandomRow(random, length);
            for (int position = 0; position < length; position++)
            {
                int other = (position + 1 + random.Next(length)) % length;
                float[] row = (float[])values.Clone();
                row[position] = float.NaN;
                Assert.True(float.IsNaN(MaximumBetweenGuards(row)), $"NaN at {position} of {length}");

                row[other] = other == position ? float.NaN : float.PositiveInfinity;
                Assert.True(float.IsNaN(MaximumBetweenGuards(row)), $"NaN at {position} and +Inf at {other} of {length}");
            }
        }
    }

    [Fact]
    public void Infinities_and_sums_that_overflow_keep_the_exact_maximum()
    {
        var random = new Random(33);
        for (int length = 1; length <= 256; length++)
        {
            float[] values = RandomRow(random, length);
            int position = random.Next(length);
            int other = (position + 1 + random.Next(length)) % length;

            float[] row = (float[])values.Clone();
            row[position] = float.PositiveInfinity;
            Assert.Equal(float.PositiveInfinity, MaximumBetweenGuards(row));

            // +Inf and -Inf together make the running sum NaN: the row takes the exact fallback and still gives +Inf.
            row[other] = other == position ? float.PositiveInfinity : float.NegativeInfinity;
            Assert.Equal(float.PositiveInfinity, MaximumBetweenGuards(row));

            row = (float[])values.Clone();
            row[position] = float.NegativeInfinity;
            Assert.Equal(values.Where((_, i) => i != position).DefaultIfEmpty(float.NegativeInfinity).Max(), MaximumBetweenGuards(row));

            Assert.Equal(float.NegativeInfinity, MaximumBetweenGuards(Enumerable.Repeat(float.NegativeInfinity, length).ToArray()));

            // Finite values whose partial sums overflow to +Inf in one lane and -Inf in another (a NaN sum, no NaN in
            // the row): the exact fallback again.
            float[] huge = Enumerable.Range(0, length).Select(i => i % 32 < 16 ? float.MaxValue : -float.MaxValue).ToArray();
            huge[position] = -float.MaxValue;
            float expected = huge.Max();
            Assert.Equal(expected, MaximumBetweenGuards(huge));
        }
    }

    [Fact]
    public void Double_rows_take_the_same_answer()
    {
        var random = new Random(34);
        for (int length = 1; length <= 40; length++)
        {
            double[] row = Enumerable.Range(0, length).Select(_ => (random.NextDouble() * 20) - 10).ToArray();
            Assert.Equal(row.Max(), ExponentialSum.Maximum<double>(row));
            row[random.Next(length)] = double.NaN;
            Assert.True(double.IsNaN(ExponentialSum.Maximum<double>(row)));
        }
    }

    /// <summary>The maximum of <paramref name="row"/> read from the middle of a buffer whose other elements are larger.</summary>
    private static float MaximumBetweenGuards(float[] row)
    {
        float[] buffer = new float[row.Length + 64];
        buffer.AsSpan().Fill(GuardValue);
        row.CopyTo(buffer, 32);
        return ExponentialSum.Maximum<float>(buffer.AsSpan(32, row.Length));
    }

    private static float[] RandomRow(Random random, int length) =>
        Enumerable.Range(0, length).Select(_ => (float)((random.NextDouble() * 20) - 10)).ToArray();
}
