using System.Globalization;

namespace Nn.Span.Demo;

/// <summary>
/// Prints one line per epoch (learning rate, loss, train and test accuracy), formatted into a reused character
/// buffer so that printing allocates nothing inside the training loop.
/// </summary>
internal sealed class ProgressPrinter
{
    private TextWriter _writer;
    /// <summary>Room for the longest line: four numbers of up to about 330 characters each in fixed-point notation.</summary>
    private readonly char[] _line = new char[2048];

    /// <summary>Prints to <paramref name="writer"/>.</summary>
    public ProgressPrinter(TextWriter writer) => _writer = writer;

    /// <summary>Writes the epoch's line, e.g. "epoch  3/30  lr 0.4545  loss 0.2134  train 96.45%  test 95.83%".</summary>
    public void Print(EpochSummary epoch)
    {
        int length = Format(epoch, _line);
        _writer.NewLine.CopyTo(_line.AsSpan(length));
        _writer.Write(_line.AsSpan(0, length + _writer.NewLine.Length));
    }

    /// <summary>Runs <see cref="Print"/> once on a sample line written to <see cref="TextWriter.Null"/>, and writes an
    /// empty text to the real writer, so that the first epoch's line does not compile or resolve code inside a measured
    /// loop.</summary>
    public void WarmUp()
    {
        TextWriter writer = _writer;
        _writer = TextWriter.Null;
        try
        {
            Print(new EpochSummary(1, 1, 0.5, 0.25, 0.75, 0.875));
        }
        finally
        {
            _writer = writer;
        }

        _writer.Write(ReadOnlySpan<char>.Empty);
    }

    /// <summary>Formats the epoch's line into <paramref name="line"/>; returns its length.</summary>
    public static int Format(EpochSummary epoch, Span<char> line)
    {
        int epochWidth = Digits(epoch.Epochs);
        int at = 0;
        Append(line, ref at, "epoch ");
        AppendPadded(line, ref at, epoch.Epoch, epochWidth);
        Append(line, ref at, "/");
        AppendPadded(line, ref at, epoch.Epochs, epochWidth);
        Append(line, ref at, "  lr ");
        AppendNumber(line, ref at, epoch.LearningRate, "F4");
        Append(line, ref at, "  loss ");
        AppendNumber(line, ref at, epoch.Loss, "F4");
        Append(line, ref at, "  train ");
        AppendNumber(line, ref at, 100 * epoch.TrainAccuracy, "F2");
        Append(line, ref at, "%  test ");
        AppendNumber(line, ref at, 100 * epoch.TestAccuracy, "F2");
        Append(line, ref at, "%");
        return at;
    }

    private static void Append(Span<char> line, ref int at, ReadOnlySpan<char> text)
    {
        text.CopyTo(line[at..]);
        at += text.Length;
    }

    private static void AppendNumber(Span<char> line, ref int at, double value, ReadOnlySpan<char> format)
    {
        if (!value.TryFormat(line[at..], out int written, format, CultureInfo.InvariantCulture))
        {
            written = 0;
        }

        at += written;
    }

    /// <summary>Appends <paramref name="value"/> right-aligned in <paramref name="width"/> characters.</summary>
    private static void AppendPadded(Span<char> line, ref int at, int value, int width)
    {
        for (int pad = Digits(value); pad < width; pad++)
        {
            line[at++] = ' ';
        }

        value.TryFormat(line[at..], out int written, default, CultureInfo.InvariantCulture);
        at += written;
    }

    private static int Digits(int value) => value < 10 ? 1 : 1 + Digits(value / 10);
}
