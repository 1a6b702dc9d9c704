namespace Nn.Span.Tests;

/// <summary>
/// The one-hot test of a label row at every length 1..40 (every vector tail of the 512-, 256-bit and scalar passes),
/// with the 1 at every position, and with each kind of bad entry (a second 1, 0.5, 2, -1, NaN, +Inf) at every position:
/// the label is found, and a bad row gives -1.
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
}
