namespace Nn.Span.Tests;

/// <summary>
/// The one-hot test of a label row at every length 1..40 (every vector tail of the 512-, 256-bit and scalar passes),
/// with the 1 at every position, and with each kind of bad entry (a second 1, 0.5, 2, -1, NaN, +Inf) at every position:
/// the label is found, and a bad row gives -1. The batch form (<see cref="CrossEntropy.OneHotToLabels{T}"/>, vector
/// compares for float rows of up to 16) the same at every width 1..20, rows with a pitch, naming the first bad row.
/// </summary>
public sealed class OneHotLabelTests
{
    [Fact]
    public void The_label_is_found_and_bad_rows_are_refused_at_every_length_and_position()
    {
        Check<float>();
        Check<double>();

        static void Check<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            T[] badValues = [T.One, T.CreateChecked(0.5), T.CreateChecked(2), -T.One, T.NaN, T.PositiveInfinity];
            for (int length = 1; length <= 40; length++)
            {
                for (int label = 0; label < length; label++)
                {
                    var row = new T[length];
                    row[label] = T.One;
                    Assert.Equal(label, CrossEntropy.OneHotLabel<T>(row));

                    for (int position = 0; position < length; position++)
                    {
                        foreach (T bad in badValues)
                        {
                            if (position == label && T.IsFinite(bad) && bad == T.One)
                            {
                                continue; // the row's own 1
                            }

                            T[] spoiled = (T[])row.Clone();
                            spoiled[position] = bad;
                            Assert.True(
                                CrossEntropy.OneHotLabel<T>(spoiled) == -1,
                                $"{typeof(T).Name}, length {length}, label {label}: {bad} at {position} was accepted");
                        }
                    }
                }

                Assert.Equal(-1, CrossEntropy.OneHotLabel<T>(new T[length])); // no 1 at all
            }
        }
    }
    [Fact]
    public void The_batch_finds_every_label_and_names_the_first_bad_row_at_every_width()
    {
        Check<float>();
        Check<double>();

        static void Check<T>()
            where T : unmanaged, IFloatingPointIeee754<T>
        {
            const int Rows = 5;
            const int Pitch = 3;
            T[] badValues = [T.CreateChecked(0.5), -T.One, T.NaN, T.PositiveInfinity];
            for (int width = 1; width <= 20; width++)
            {
                int stride = width + Pitch;

                // Row n's 1 at (n * 3) mod width; the pitch holds 7s, which must not be read as part of a row.
                var storage = new T[Rows * stride];
                Array.Fill(storage, T.CreateChecked(7));
                for (int n = 0; n < Rows; n++)
                {
                    storage.AsSpan(n * stride, width).Clear();
                    storage[(n * stride) + ((n * 3) % width)] = T.One;
                }

                var labels = new int[Rows];
                CrossEntropy.OneHotToLabels<T>(new ReadOnlySpan2D<T>(storage, 0, Rows, width, Pitch), labels, "oneHotLabels");
                Assert.Equal(Enumerable.Range(0, Rows).Select(n => (n * 3) % width), labels);

                // Each kind of bad entry at every position of rows 2 and 4 (and, for row 2, its 1 removed or a second 1
                // added there): row 2 is named.
                for (int position = 0; position < width; position++)
                {
                    T swapped = storage[(2 * stride) + position] == T.One ? T.Zero : T.One;
                    foreach (T bad in badValues.Append(swapped))
                    {
                        T[] spoiled = (T[])storage.Clone();
                        spoiled[(2 * stride) + position] = bad;
                        spoiled[(4 * stride) + position] = T.CreateChecked(0.25);
                        var exception = Assert.Throws<ArgumentException>(
                            () => CrossEntropy.OneHotToLabels<T>(new ReadOnlySpan2D<T>(spoiled, 0, Rows, width, Pitch), new int[Rows], "oneHotLabels"));
                        Assert.Equal("oneHotLabels", exception.ParamName);
                        Assert.Contains("Row 2 ", exception.Message, StringComparison.Ordinal);
                    }
                }
            }
        }
    }
}
