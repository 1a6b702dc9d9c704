using System.Globalization;

namespace Nn.Span.BenchmarkReport;

/// <summary>
/// One comparison of the interleaved run (paired.csv, written by the benchmarks' <c>--paired</c> mode, or
/// paired-products.csv, by <c>--paired-products</c>): the ratio's
/// median over the rounds with its 10th and 90th percentiles, and the target it is read against (NaN: none).
/// </summary>
internal sealed record PairedRow(
    string Comparison, string Target, double Goal, string Kind, string Subject, string Baseline, int Rounds,
    double SubjectNanoseconds, double BaselineNanoseconds, double Median, double P10, double P90)
{
    /// <summary>The rows of <paramref name="path"/>, or none when the file is missing (a run without the paired step).</summary>
    public static List<PairedRow> ReadAll(string path)
    {
        if (!File.Exists(path))
        {
            return [];
        }

        return [.. File.ReadLines(path).Skip(1).Where(line => line.Length > 0).Select(Parse)];
    }

    /// <summary>Whether the median meets the target; null without one.</summary>
    public bool? Met => double.IsNaN(Goal) ? null : Median >= Goal;

    private static PairedRow Parse(string line)
    {
        string[] cells = line.Split(',');
        if (cells.Length != 12)
        {
            throw new InvalidDataException($"paired CSV: expected 12 cells, found {cells.Length} in \"{line}\".");
        }

        static double Number(string text) => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
        return new PairedRow(
            cells[0], cells[1], Number(cells[2]), cells[3], cells[4], cells[5], int.Parse(cells[6], CultureInfo.InvariantCulture),
            Number(cells[7]), Number(cells[8]), Number(cells[9]), Number(cells[10]), Number(cells[11]));
    }
}
