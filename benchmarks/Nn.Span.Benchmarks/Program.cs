using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Nn.Span.Benchmarks;

// Runs the suite, or the groups selected with BenchmarkDotNet's own options (--filter, --anyCategories).
// --smoke: one in-process call of each benchmark, and one round of each interleaved comparison, to prove that they run.
// --paired: only the interleaved comparisons (PairedRun), written to <artifacts>/results/paired.csv.
// --paired-products: only the interleaved products against OpenBLAS, to paired-products.csv (run.sh runs it with a
// second OpenBLAS kernel family).
bool smoke = args.Contains("--smoke");
bool paired = args.Contains("--paired");
bool pairedProducts = args.Contains("--paired-products");
int artifactsIndex = Array.IndexOf(args, "--artifacts");
string results = Path.Combine(artifactsIndex >= 0 && artifactsIndex + 1 < args.Length ? args[artifactsIndex + 1] : "BenchmarkDotNet.Artifacts", "results");
if (paired || pairedProducts)
{
    PairedRun.Run(results, smoke, productsOnly: pairedProducts);
    return 0;
}

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

if (smoke)
{
    PairedRun.Run(results, smoke: true);
    PairedRun.Run(results, smoke: true, productsOnly: true);
}

return failed.Count == 0 ? 0 : 1;
