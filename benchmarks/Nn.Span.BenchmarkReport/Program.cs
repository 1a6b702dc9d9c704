using System.Globalization;
using System.Text.RegularExpressions;
using Nn.Span.BenchmarkReport;

// Turns BenchmarkDotNet's CSV reports into docs/benchmarks.md and its charts, and refreshes the
// README's headline table between its benchmark markers.
// Usage: Nn.Span.BenchmarkReport <results directory> <repository root>
if (args.Length != 2)
{
    Console.Error.WriteLine("Usage: Nn.Span.BenchmarkReport <BenchmarkDotNet results directory> <repository root>");
    return 2;
}

string results = args[0];
string root = args[1];
List<BenchmarkRow> rows = BenchmarkRow.ReadAll(results);
if (rows.Count == 0)
{
    Console.Error.WriteLine($"No benchmark results in {results}.");
    return 1;
}

// BenchmarkDotNet's environment block (OS, CPU, .NET) from the first markdown report, without the job lines.
string? markdown = Directory.GetFiles(results, "*-report-github.md").Order(StringComparer.Ordinal).FirstOrDefault();
string environment = markdown is null
    ? "(environment not recorded)"
    : string.Join('\n', File.ReadLines(markdown).SkipWhile(l => !l.StartsWith("BenchmarkDotNet", StringComparison.Ordinal)).TakeWhile(l => l.Length > 0 && !l.StartsWith("```", StringComparison.Ordinal)));

// The run's date from the CSV file names (BenchmarkDotNet writes ...-yyyy-MM-dd-HH-mm-ss-report.csv), else today.
DateTime runDate = Directory.GetFiles(results, "*-report.csv")
    .Select(p => Regex.Match(Path.GetFileName(p), @"(\d{4}-\d{2}-\d{2})"))
    .Where(m => m.Success)
    .Select(m => DateTime.ParseExact(m.Groups[1].Value, "yyyy-MM-dd", CultureInfo.InvariantCulture))
    .DefaultIfEmpty(DateTime.UtcNow.Date)
    .Max();

List<PairedRow> paired = PairedRow.ReadAll(Path.Combine(results, "paired.csv"));
List<PairedRow> pairedProducts = PairedRow.ReadAll(Path.Combine(results, "paired-products.csv"));
var report = new Report(rows, paired, pairedProducts, environment, "bash benchmarks/run.sh", runDate);
report.Write(Path.Combine(root, "docs"));

string readme = Path.Combine(root, "README.md");
const string Start = "<!-- benchmarks:start -->";
const string End = "<!-- benchmarks:end -->";
string text = File.ReadAllText(readme);
int start = text.IndexOf(Start, StringComparison.Ordinal);
int end = text.IndexOf(End, StringComparison.Ordinal);
if (start >= 0 && end > start)
{
    string headline = Start + "\n" + report.HeadlineTable() + "\n![Median time per forward+backward call](docs/benchmarks/forward-backward.png)\n" + End;
    File.WriteAllText(readme, text[..start] + headline + text[(end + End.Length)..]);
}

Console.WriteLine($"Wrote {Path.Combine(root, "docs", "benchmarks.md")} from {rows.Count} benchmark rows.");
return 0;
