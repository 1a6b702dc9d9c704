using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Nn.Span.Benchmarks;

// Runs the suite, or the groups selected with BenchmarkDotNet's own options (--filter, --anyCategories).
// --smoke: one in-process call of each benchmark, to prove that they all run.
bool smoke = args.Contains("--smoke");
string[] rest = [.. args.Where(a => a != "--smoke")];
string[] selectors = ["--filter", "-f", "--anyCategories", "--allCategories", "--list", "--help", "-h", "--info", "--version"];
if (!rest.Any(selectors.Contains))
{
    rest = [.. rest, "--filter", "*"]; // everything, never the interactive menu
}

List<Summary> summaries = [.. BenchmarkSwitcher
    .FromAssembly(typeof(Workload).Assembly)
    .Run(rest, BenchmarkConfig.Create(smoke))];
if (smoke && summaries.Sum(s => s.Reports.Length) == 0)
{
    Console.Error.WriteLine("The smoke run selected no benchmark.");
    return 1;
}

var failed = summaries
    .SelectMany(s => s.Reports.Where(r => !r.Success).Select(r => r.BenchmarkCase.DisplayInfo)
        .Concat(s.HasCriticalValidationErrors ? s.ValidationErrors.Select(e => e.Message) : []))
    .ToList();
foreach (string failure in failed)
{
    Console.Error.WriteLine($"Benchmark failed: {failure}");
}

return failed.Count == 0 ? 0 : 1;
