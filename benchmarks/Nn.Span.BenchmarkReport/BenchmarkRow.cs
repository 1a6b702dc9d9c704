using System.Globalization;

namespace Nn.Span.BenchmarkReport;

/// <summary>One row of a BenchmarkDotNet CSV report: which benchmark, with which parameter, and its figures.</summary>
internal sealed record BenchmarkRow(
    string Group, string Method, string Parameter, double MedianNanoseconds, double? Gflops, double? AllocatedBytes)
{
    /// <summary>Reads every row of the CSV reports (one per benchmark class) in a results directory.</summary>
    public static List<BenchmarkRow> ReadAll(string resultsDirectory)
    {
        var rows = new List<BenchmarkRow>();
        foreach (string path in Directory.GetFiles(resultsDirectory, "*-report.csv").Order(StringComparer.Ordinal))
        {
            string[] lines = File.ReadAllLines(path);
            if (lines.Length < 2)
            {
                continue;
            }

            // One report per benchmark class: Nn.Span.Benchmarks.<Class>-report.csv.
            string fileName = Path.GetFileName(path);
            string group = fileName[..^"-report.csv".Length].Split('.')[^1];
            List<string> header = SplitCsvLine(lines[0]);
            int method = header.IndexOf("Method");
            int median = header.IndexOf("Median [ns]");
            int gflops = header.IndexOf("GFLOP/s");
            int allocated = header.IndexOf("Allocated [B]");
            int firstStatistic = header.IndexOf("Mean [ns]");
            int lastJobColumn = header.IndexOf("WarmupCount");
            if (method < 0 || median < 0 || firstStatistic < 0)
            {
                throw new InvalidDataException($"{path}: not a BenchmarkDotNet CSV report with Method and Median [ns] columns.");
            }

            foreach (string line in lines.Skip(1))
            {
                List<string> cells = SplitCsvLine(line);
                if (cells.Count != header.Count || ParseNumber(cells[median]) is not double medianValue)
                {
                    continue; // a benchmark that failed has no figures
                }

                // The parameter columns lie between the job's columns and the statistics; a class uses one of them.
                string parameter = string.Join(" ", cells
                    .Skip(lastJobColumn + 1)
                    .Take(firstStatistic - lastJobColumn - 1)
                    .Where(value => value != "?" && value.Length > 0));
                rows.Add(new BenchmarkRow(
                    group,
                    cells[method].Trim('\''),
                    parameter,
                    medianValue,
                    gflops >= 0 ? ParseNumber(cells[gflops]) : null,
                    allocated >= 0 ? ParseNumber(cells[allocated]) ?? 0 : null));
            }
        }

        return rows;
    }

    private static double? ParseNumber(string cell)
    {
        string plain = cell.Replace(",", "", StringComparison.Ordinal).Trim();
        if (plain is "-" or "")
        {
            return 0;
        }

        return double.TryParse(plain, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) ? value : null;
    }

    // A CSV line with double-quoted fields ("1,234.5").
    private static List<string> SplitCsvLine(string line)
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        bool quoted = false;
        foreach (char c in line)
        {
            if (c == '"')
            {
                quoted = !quoted;
            }
            else if (c == ',' && !quoted)
            {
                cells.Add(cell.ToString());
                cell.Clear();
            }
            else
            {
                cell.Append(c);
            }
        }

        cells.Add(cell.ToString());
        return cells;
    }
}
