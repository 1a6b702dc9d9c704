using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Nn.Span.Benchmarks;

/// <summary>
/// GFLOP/s from the median time, for benchmarks whose parameter knows its flop count
/// (<see cref="IHasFlops"/>): flops / median ns = GFLOP/s.
/// </summary>
internal sealed class GflopsColumn : IColumn
{
    public string Id => nameof(GflopsColumn);

    public string ColumnName => "GFLOP/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Floating-point operations per second from the median, in billions (2 M N K per product)";

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    public bool IsAvailable(Summary summary) => summary.BenchmarksCases.Any(c => FlopsOf(c) > 0);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) =>
        GetValue(summary, benchmarkCase, summary.Style);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        double flops = FlopsOf(benchmarkCase);
        double? medianNanoseconds = summary[benchmarkCase]?.ResultStatistics?.Median;
        if (flops <= 0 || medianNanoseconds is not > 0)
        {
            return "-";
        }

        return (flops / medianNanoseconds.Value).ToString("F1", style.CultureInfo);
    }

    private static double FlopsOf(BenchmarkCase benchmarkCase) =>
        benchmarkCase.Parameters.Items.Select(p => p.Value).OfType<IHasFlops>().FirstOrDefault()?.Flops ?? 0;
}
